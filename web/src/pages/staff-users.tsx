// Users: find a customer and see where each stands; a customer's desk page: their balance,
// open rentals (take a return), checkout, payments (record one), returned rentals.
import { useEffect, useState } from 'preact/hooks'
import { api } from '../api'
import { formatBalance } from '../format'
import { BALANCES, useLive } from '../live'
import { Link } from '../router'
import { ErrorText, Field, More, Page, usePaged } from '../ui'
import { BalanceView } from './balance'
import { PaymentsTable } from './payments'
import { remember, usernames } from './pickers'
import { RentalsTable } from './rentals'
import { Checkout, RecordPayment } from './staff-desk'

export function Users() {
  const [q, setQ] = useState('')
  const list = usePaged(
    async (cursor, limit) => {
      const found = await api.GET('/api/users', {
        params: { query: { q: q.trim() || undefined, cursor, limit } },
      })
      if (found.data) remember(found.data.items)
      return found
    },
    [q],
  )
  useLive([BALANCES], list.reload)
  return (
    <Page title="Customers">
      <form aria-label="Find customers" onSubmit={(e) => e.preventDefault()}>
        <Field label="Username, email or name">
          <input type="search" value={q} onInput={(e) => setQ(e.currentTarget.value)} />
        </Field>
      </form>
      <ErrorText text={list.error} />
      {!list.loading && list.items.length === 0 && <p>No customer matches.</p>}
      {list.items.length > 0 && (
        <div class="scroll">
          <table aria-label="Customers">
            <thead>
              <tr>
                <th scope="col">Username</th>
                <th scope="col">Name</th>
                <th scope="col">Email</th>
                <th scope="col">Owes</th>
                <th scope="col">Open rentals</th>
              </tr>
            </thead>
            <tbody>
              {list.items.map((u) => (
                <tr key={u.id}>
                  <td>
                    <Link href={`/admin/users/${u.id}`}>{u.username}</Link>
                    {u.role === 'staff' && ' (staff)'}
                  </td>
                  <td>{u.name ?? '—'}</td>
                  <td>{u.email ?? '—'}</td>
                  <td>
                    {formatBalance(u.balanceCents).amount}
                    {u.balanceCents < 0 && ' (credit)'}
                  </td>
                  <td>{u.openRentals}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <More list={list} what="customers" />
    </Page>
  )
}

/** A customer's username: known once listed, else asked for by id (the account's own route). */
function useUsername(id: string): string | undefined {
  const [name, setName] = useState(usernames.get(id))
  useEffect(() => {
    if (usernames.has(id)) return setName(usernames.get(id))
    let live = true
    void api.GET('/api/v1/accounts/{id}', { params: { path: { id } } }).then(({ data }) => {
      const account = data?.[0]
      if (!account) return
      usernames.set(id, account.username)
      if (live) setName(account.username)
    })
    return () => {
      live = false
    }
  }, [id])
  return name
}

export function UserDesk(props: { id?: string }) {
  const id = props.id!
  const username = useUsername(id)
  return (
    <Page title={`Customer ${username ?? id}`}>
      <h2>Balance</h2>
      <BalanceView userId={id} />
      <h2>Open rentals (take a return)</h2>
      <RentalsTable userId={id} status="open" label="Open rentals" />
      <div class="desk">
        <Checkout userId={id} />
        <RecordPayment userId={id} />
      </div>
      <h2>Payments</h2>
      <PaymentsTable userId={id} label="Payments" />
      <h2>Returned rentals</h2>
      <RentalsTable userId={id} status="returned" label="Returned rentals" />
    </Page>
  )
}
