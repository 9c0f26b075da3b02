// What a user owes: each open rental's cost so far, charged, paid, owed; and a quote for a day.
import { useCallback, useEffect, useState } from 'preact/hooks'
import { api, type Balance, problemText } from '../api'
import {
  endOfLocalDay,
  formatBalance,
  formatCents,
  formatDate,
  formatTime,
  localDateValue,
} from '../format'
import { BALANCES, useLive } from '../live'
import { ErrorText, Field, Page, useBooks } from '../ui'

function readBalance(userId: string | undefined, asOf: string | undefined) {
  return userId
    ? api.GET('/api/users/{id}/balance', { params: { path: { id: userId }, query: { asOf } } })
    : api.GET('/api/me/balance', { params: { query: { asOf } } })
}

function useBalance(userId: string | undefined, asOf: string | undefined) {
  const [balance, setBalance] = useState<Balance>()
  const [error, setError] = useState<string>()
  const load = useCallback(async () => {
    const { data, error } = await readBalance(userId, asOf)
    if (error || !data) return setError(problemText(error))
    setError(undefined)
    setBalance(data)
  }, [userId, asOf])
  useEffect(() => void load(), [load])
  useLive([BALANCES], load)
  return { balance, error }
}

function Totals(props: { balance: Balance; label: string }) {
  const b = props.balance
  const owed = formatBalance(b.balanceCents)
  return (
    <dl class="totals" aria-label={props.label}>
      <div>
        <dt>Open rentals so far</dt>
        <dd>{formatCents(b.accruingCents)}</dd>
      </div>
      <div>
        <dt>Charged</dt>
        <dd>{formatCents(b.chargedCents)}</dd>
      </div>
      <div>
        <dt>Paid</dt>
        <dd>{formatCents(b.paidCents)}</dd>
      </div>
      <div class="owed">
        <dt>{owed.label}</dt>
        <dd>{owed.amount}</dd>
      </div>
    </dl>
  )
}

export function BalanceView(props: { userId?: string }) {
  const now = useBalance(props.userId, undefined)
  const [day, setDay] = useState(localDateValue())
  const asOf = day ? endOfLocalDay(day).toISOString() : undefined
  const quote = useBalance(props.userId, asOf)
  const books = useBooks(now.balance?.openRentals.map((r) => r.bookId) ?? [])
  return (
    <>
      <ErrorText text={now.error} />
      {now.balance && (
        <>
          <Totals balance={now.balance} label="Balance now" />
          {now.balance.openRentals.length > 0 && (
            <div class="scroll">
              <table aria-label="Open rentals">
                <thead>
                  <tr>
                    <th scope="col">Book</th>
                    <th scope="col">Rented</th>
                    <th scope="col">Days</th>
                    <th scope="col">Cost so far</th>
                  </tr>
                </thead>
                <tbody>
                  {now.balance.openRentals.map((r) => (
                    <tr key={r.rentalId}>
                      <td>{books.get(r.bookId)?.title ?? r.bookId}</td>
                      <td>{formatTime(r.rentedAt)}</td>
                      <td>{r.days}</td>
                      <td>{formatCents(r.chargeCents)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
      <h2>What will be owed on a day</h2>
      <Field label="Quote for the end of" hint="open rentals priced as if returned then">
        <input
          type="date"
          value={day}
          min={localDateValue()}
          onInput={(e) => setDay(e.currentTarget.value)}
        />
      </Field>
      <ErrorText text={quote.error} />
      {quote.balance && day && (
        <>
          <p>At the end of {formatDate(endOfLocalDay(day))}:</p>
          <Totals balance={quote.balance} label="Quote" />
        </>
      )}
    </>
  )
}

export function MyBalance() {
  return (
    <Page title="My balance">
      <BalanceView />
    </Page>
  )
}
