// Money and time for people: Intl, in the browser's language and time zone. Amounts are cents.
const money = new Intl.NumberFormat(undefined, { style: 'currency', currency: 'USD' })
const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' })
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' })

export const formatCents = (cents: number) => money.format(cents / 100)

/** A balance as a person reads it: what is owed, or (paid more than charged) a credit. */
export function formatBalance(cents: number): { label: 'Owed' | 'In credit'; amount: string } {
  return cents < 0
    ? { label: 'In credit', amount: formatCents(-cents) }
    : { label: 'Owed', amount: formatCents(cents) }
}
export const formatTime = (iso: string | null | undefined) =>
  iso ? dateTime.format(new Date(iso)) : '—'
export const formatDate = (d: Date) => dateOnly.format(d)

/** The end of a local calendar day (`yyyy-mm-dd` from a date input), as an instant. */
export function endOfLocalDay(value: string): Date {
  const [y, m, d] = value.split('-').map(Number)
  return new Date(y!, m! - 1, d!, 23, 59, 59, 999)
}

/** Today as a date input's value, in the local zone. */
export function localDateValue(d = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`
}

/** Whole cents from what a person types ("12.50" → 1250); undefined when it is not an amount. */
export function parseCents(text: string): number | undefined {
  const m = /^\s*(\d{1,7})(?:[.,](\d{1,2}))?\s*$/.exec(text)
  if (!m) return undefined
  return Number(m[1]) * 100 + Number((m[2] ?? '0').padEnd(2, '0'))
}
