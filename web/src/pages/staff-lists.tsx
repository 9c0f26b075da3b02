// Every rental (by status, customer and book) and every payment (by customer; record one for the
// customer chosen), for staff.
import { useState } from 'preact/hooks'
import type { Book, UserRow } from '../api'
import { Page } from '../ui'
import { PaymentsTable } from './payments'
import { BookPicker, UserPicker } from './pickers'
import { RentalsTable, type Status, StatusFilter } from './rentals'
import { RecordPayment } from './staff-desk'

export function AllRentals() {
  const [status, setStatus] = useState<Status>('')
  const [user, setUser] = useState<UserRow>()
  const [book, setBook] = useState<Book>()
  return (
    <Page title="Rentals">
      <form class="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filter rentals">
        <StatusFilter value={status} onChange={setStatus} />
        <UserPicker chosen={user} onChoose={setUser} />
        <BookPicker chosen={book} onChoose={setBook} />
      </form>
      <RentalsTable status={status} userId={user?.id} bookId={book?.id} showUser label="Rentals" />
    </Page>
  )
}

export function AllPayments() {
  const [user, setUser] = useState<UserRow>()
  return (
    <Page title="Payments">
      <p>Choose a customer to see only their payments and to record one.</p>
      <UserPicker chosen={user} onChoose={setUser} />
      {user && <RecordPayment key={user.id} userId={user.id} />}
      <h2>{user ? `Payments of ${user.username}` : 'Every payment'}</h2>
      <PaymentsTable userId={user?.id} showUser={!user} label="Payments" />
    </Page>
  )
}
