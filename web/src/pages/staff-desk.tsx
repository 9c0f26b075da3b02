// The desk's commands for one customer: check a book out for them, record money they paid.
// (Returns are taken from their open rentals' table.)
import { useState } from 'preact/hooks'
import { api, type Book } from '../api'
import { formatCents, parseCents } from '../format'
import { Field, Submit, useAction } from '../ui'
import { BookPicker, usernames } from './pickers'

const customer = (userId: string) => usernames.get(userId) ?? 'the customer'

export function Checkout(props: { userId: string }) {
  const [book, setBook] = useState<Book>()
  const [done, setDone] = useState<string>()
  const action = useAction()
  const submit = async (e: Event) => {
    e.preventDefault()
    setDone(undefined)
    if (!book) return action.setError('Find and choose a book first.')
    const body = { bookId: book.id, userId: props.userId }
    if (await action.run(() => api.POST('/api/rentals', { body }))) {
      setDone(`Checked out “${book.title}” to ${customer(props.userId)}.`)
      setBook(undefined)
    }
  }
  return (
    <form class="stack panel" onSubmit={submit} aria-label="Check a book out">
      <h2>Check a book out</h2>
      <BookPicker
        chosen={book}
        onChoose={(b) => {
          setBook(b)
          action.setError(undefined)
        }}
        onlyAvailable
      />
      <Submit label="Check out" action={action} done={done} />
    </form>
  )
}

export function RecordPayment(props: { userId: string }) {
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
      setDone(`Recorded ${formatCents(cents)} from ${customer(props.userId)}.`)
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
      <Submit label="Record payment" action={action} done={done} />
    </form>
  )
}
