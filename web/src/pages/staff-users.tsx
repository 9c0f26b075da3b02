// Users and the desk: find a user; see their balance, rentals and payments; check a book out
// for them, take a return, record a payment. And every rental, filtered.
import { useState } from 'preact/hooks'
import { api } from '../api'
import { formatCents, parseCents } from '../format'
import { ErrorText, Field, Notice, Page, useAction } from '../ui'
import { BalanceView } from './balance'
import { RentalsTable, StatusFilter } from './rentals'

/** Usernames of the users listed so far, for the desk's heading. */
const usernames = new Map<string, string>()

function RecordPayment(props: { userId: string }) {
  const [amount, setAmount] = useState('')
  const [reference, setReference] = useState('')
  const [done, setDone] = useState<string>()
  const action = useAction()
  const submit = async (e: Event) => {
    e.preventDefault()
    setDone(undefined)
    const cents = parseCents(amount)
    if (!cents) return action.setError('Enter an amount such as 12.50')
    const body = { userId: props.userId, amountCents: cents, reference: reference || undefined }
    if (await action.run(() => api.POST('/api/payments', { body }))) {
      setDone(`Recorded ${formatCents(cents)}.`)
      setAmount('')
      setReference('')
    }
  }
  return (
    <form class="stack panel" onSubmit={submit} aria-label="Record a payment">
      <h2>Record a payment</h2>
      <Field label="Amount" hint="e.g. 12.50">
        <input
          inputMode="decimal"
          value={amount}
          onInput={(e) => setAmount(e.currentTarget.value)}
          required
        />
      </Field>
      <Field label="Reference">
        <input value={reference} onInput={(e) => setReference(e.currentTarget.value)} />
      </Field>
      <button type="submit" disabled={action.busy}>
        Record payment
      </button>
      <ErrorText text={action.error} />
      <Notice text={done} />
    </form>
  )
}

export function UserDesk(props: { id?: string }) {
  const id = props.id!
  return (
    <Page title={`Customer ${usernames.get(id) ?? id}`}>
      <h2>Balance</h2>
      <BalanceView userId={id} />
      <h2>Open rentals (take a return)</h2>
      <RentalsTable userId={id} status="open" label="Open rentals" />
      <RecordPayment userId={id} />
      <h2>Returned rentals</h2>
      <RentalsTable userId={id} status="returned" label="Returned rentals" />
    </Page>
  )
}

export function AllRentals() {
  const [status, setStatus] = useState<'' | 'open' | 'returned'>('')
  const [userId, setUserId] = useState('')
  const valid = /^[0-9a-f-]{36}$/i.test(userId.trim())
  return (
    <Page title="Rentals">
      <form onSubmit={(e) => e.preventDefault()} aria-label="Filter rentals">
        <StatusFilter value={status} onChange={setStatus} />
        <Field label="User id">
          <input value={userId} onInput={(e) => setUserId(e.currentTarget.value)} />
        </Field>
      </form>
      <RentalsTable
        status={status}
        userId={valid ? userId.trim() : undefined}
        showUser
        label="Rentals"
      />
    </Page>
  )
}
