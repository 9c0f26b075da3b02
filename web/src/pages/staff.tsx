// The back office's pages (staff only), replacing the old Django admin at `/admin/`.
import { Link } from '../router'
import { Page } from '../ui'
import { Audit } from './staff-audit'
import { StaffBooks } from './staff-books'
import { AllRentals, UserDesk } from './staff-users'

function StaffHome() {
  return (
    <Page title="Back office">
      <ul>
        <li>
          <Link href="/admin/books">Catalogue</Link>: add, edit, copies, covers, retire
        </li>
        <li>
          <Link href="/admin/rentals">Rentals</Link>: all rentals, filtered
        </li>
        <li>
          <Link href="/admin/audit">Audit</Link>: export the log; read models' status
        </li>
      </ul>
    </Page>
  )
}

export const STAFF_PAGES = [
  { path: '/admin', page: StaffHome },
  { path: '/admin/books', page: StaffBooks },
  { path: '/admin/users/:id', page: UserDesk },
  { path: '/admin/rentals', page: AllRentals },
  { path: '/admin/audit', page: Audit },
]

export function StaffNav() {
  return (
    <nav class="staff" aria-label="Back office">
      <Link href="/admin/books">Catalogue</Link>
      <Link href="/admin/rentals">Rentals</Link>
      <Link href="/admin/audit">Audit</Link>
    </nav>
  )
}
