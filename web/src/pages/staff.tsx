// The back office's pages (staff only), replacing the old Django admin at `/admin/`.
import { Link } from '../router'
import { Page } from '../ui'
import { Audit } from './staff-audit'
import { StaffBooks } from './staff-books'
import { AllPayments, AllRentals } from './staff-lists'
import { UserDesk, Users } from './staff-users'

const SECTIONS = [
  {
    href: '/admin/users',
    name: 'Customers',
    what: 'find one; their desk: checkout, returns, payments',
  },
  { href: '/admin/books', name: 'Catalogue', what: 'add, edit, copies, covers, retire' },
  { href: '/admin/rentals', name: 'Rentals', what: 'every rental, by status, customer and book' },
  { href: '/admin/payments', name: 'Payments', what: 'every payment; record one' },
  { href: '/admin/audit', name: 'Audit', what: "export the log; the read models' status" },
]

function StaffHome() {
  return (
    <Page title="Back office">
      <ul>
        {SECTIONS.map((s) => (
          <li key={s.href}>
            <Link href={s.href}>{s.name}</Link>: {s.what}
          </li>
        ))}
      </ul>
    </Page>
  )
}

export const STAFF_PAGES = [
  { path: '/admin', page: StaffHome },
  { path: '/admin/users', page: Users },
  { path: '/admin/users/:id', page: UserDesk },
  { path: '/admin/books', page: StaffBooks },
  { path: '/admin/rentals', page: AllRentals },
  { path: '/admin/payments', page: AllPayments },
  { path: '/admin/audit', page: Audit },
]

export function StaffNav() {
  return (
    <nav class="staff" aria-label="Back office">
      {SECTIONS.map((s) => (
        <Link key={s.href} href={s.href}>
          {s.name}
        </Link>
      ))}
    </nav>
  )
}
