// Rentals as a table with Return buttons: the patron's own, a user's at the desk, or (staff) all.
import { useState } from 'preact/hooks'
import { api, type Rental } from '../api'
import { formatCents, formatTime } from '../format'
import { BALANCES, useLive } from '../live'
import { ErrorText, Field, More, Page, useAction, useBooks, usePaged } from '../ui'
import { UserLink } from './pickers'

export type Status = 'open' | 'returned' | ''

function ReturnButton(props: { rental: Rental; title: string; onDone: () => void }) {
  const action = useAction()
  const give = async () => {
    const ok = await action.run(() =>
      api.POST('/api/rentals/{id}/return', { params: { path: { id: props.rental.id } } }),
    )
    if (ok) props.onDone()
  }
  return (
    <>
      <button
        type="button"
        onClick={give}
        disabled={action.busy}
        aria-label={`Return ${props.title}`}
      >
        Return
      </button>
      <ErrorText text={action.error} />
    </>
  )
}

export function RentalsTable(props: {
  userId?: string
  bookId?: string
  status?: Status
  showUser?: boolean
  label: string
}) {
  const list = usePaged(
    (cursor, limit) =>
      api.GET('/api/rentals', {
        params: {
          query: {
            userId: props.userId,
            bookId: props.bookId,
            status: props.status || undefined,
            cursor,
            limit,
          },
        },
      }),
    [props.userId, props.bookId, props.status],
  )
  useLive([BALANCES], list.reload)
  const books = useBooks(list.items.map((r) => r.bookId))
  return (
    <>
      <ErrorText text={list.error} />
      {!list.loading && list.items.length === 0 && <p>No rentals.</p>}
      {list.items.length > 0 && (
        <div class="scroll">
          <table aria-label={props.label}>
            <thead>
              <tr>
                <th scope="col">Book</th>
                {props.showUser && <th scope="col">Customer</th>}
                <th scope="col">Rented</th>
                <th scope="col">Returned</th>
                <th scope="col">Charge</th>
                <th scope="col">
                  <span class="visually-hidden">Action</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.items.map((r) => {
                const title = books.get(r.bookId)?.title ?? r.bookId
                return (
                  <tr key={r.id}>
                    <td>{title}</td>
                    {props.showUser && (
                      <td>
                        <UserLink id={r.userId} />
                      </td>
                    )}
                    <td>{formatTime(r.rentedAt)}</td>
                    <td>{formatTime(r.returnedAt)}</td>
                    <td>
                      {formatCents(r.chargeCents)}
                      {!r.returnedAt && ' so far'}
                    </td>
                    <td>
                      {!r.returnedAt && (
                        <ReturnButton rental={r} title={title} onDone={list.reload} />
                      )}
                    </td>
                  </tr>
                )
              })}
            </tbody>
          </table>
        </div>
      )}
      <More list={list} what="rentals" />
    </>
  )
}

export function StatusFilter(props: { value: Status; onChange: (s: Status) => void }) {
  return (
    <Field label="Status">
      <select value={props.value} onChange={(e) => props.onChange(e.currentTarget.value as Status)}>
        <option value="">All</option>
        <option value="open">Open</option>
        <option value="returned">Returned</option>
      </select>
    </Field>
  )
}

export function MyRentals() {
  const [status, setStatus] = useState<Status>('')
  return (
    <Page title="My rentals">
      <StatusFilter value={status} onChange={setStatus} />
      <RentalsTable status={status} label="My rentals" />
    </Page>
  )
}
