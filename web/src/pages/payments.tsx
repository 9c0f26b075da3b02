// Payments as a table, newest first: a patron's own, a customer's at the desk, or (staff) all.
import { api } from '../api'
import { formatCents, formatTime } from '../format'
import { BALANCES, useLive } from '../live'
import { ErrorText, More, Page, usePaged } from '../ui'
import { UserLink } from './pickers'

export function PaymentsTable(props: { userId?: string; showUser?: boolean; label: string }) {
  const list = usePaged(
    (cursor, limit) =>
      api.GET('/api/payments', { params: { query: { userId: props.userId, cursor, limit } } }),
    [props.userId],
  )
  useLive([BALANCES], list.reload)
  return (
    <>
      <ErrorText text={list.error} />
      {!list.loading && list.items.length === 0 && <p>No payments.</p>}
      {list.items.length > 0 && (
        <div class="scroll">
          <table aria-label={props.label}>
            <thead>
              <tr>
                <th scope="col">Recorded</th>
                {props.showUser && <th scope="col">Customer</th>}
                <th scope="col">Amount</th>
                <th scope="col">Reference</th>
              </tr>
            </thead>
            <tbody>
              {list.items.map((p) => (
                <tr key={p.id}>
                  <td>{formatTime(p.recordedAt)}</td>
                  {props.showUser && (
                    <td>
                      <UserLink id={p.userId} />
                    </td>
                  )}
                  <td>{formatCents(p.amountCents)}</td>
                  <td>{p.reference ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <More list={list} what="payments" />
    </>
  )
}

export function MyPayments() {
  return (
    <Page title="My payments">
      <p>Payments are taken at the desk; each one the shop recorded for you is here.</p>
      <PaymentsTable label="My payments" />
    </Page>
  )
}
