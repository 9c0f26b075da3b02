// The balance of API.md as a pure function, and the single home of its rule:
//   a rental rented after asOf does not count at all;
//   a rental returned at or before asOf counts its final charge (chargedCents);
//   any other rental is open at asOf and accrues, priced as if returned at asOf (accruingCents);
//   a payment counts when recorded at or before asOf (paidCents);
//   balanceCents = chargedCents + accruingCents - paidCents (what the user owes).
// The user-balances read model calls it with a user's history; the account stream calls it with
// its running totals carried forward and its open rentals (see `carried`).
import { assertCents } from './money.js'
import type { BookType, Plan } from './pricing.js'
import { chargeAt } from './pricing.js'

/** A time as stored in events (ISO-8601 string) or as read from the database (Date). */
export type Instant = Date | string

export type BalanceRental = {
  rentalId: string
  bookId: string
  plan: Plan
  bookType: BookType
  rentedAt: Instant
  /** null while the rental is open. */
  returnedAt: Instant | null
  /** The final charge recorded when it was returned; null while open. */
  chargeCents: number | null
}

export type BalancePayment = { recordedAt: Instant; amountCents: number }

export type BalanceInput = {
  /** Every rental of the user not already folded into `carried`. */
  rentals: readonly BalanceRental[]
  payments: readonly BalancePayment[]
  /**
   * Totals already posted (charges of returned rentals, payments) that count at every asOf this
   * input is asked about: the caller guarantees asOf is not before any of them. Lets a running
   * total (the account stream, a compacted history) use this same function.
   */
  carried?: { chargedCents: number; paidCents: number }
}

export type OpenRentalAt = {
  rentalId: string
  bookId: string
  rentedAt: string
  days: number
  chargeCents: number
}

export type Balance = {
  asOf: string
  chargedCents: number
  accruingCents: number
  paidCents: number
  balanceCents: number
  /** Rentals open at asOf, oldest first, each priced as if returned at asOf. */
  openRentals: OpenRentalAt[]
}

export function toDate(x: Instant, what = 'time'): Date {
  // Parsing a stored time, not reading the clock: the domain never asks for "now" itself.
  const d = typeof x === 'string' ? new Date(x) : x
  if (!(d instanceof Date) || Number.isNaN(d.getTime())) {
    throw new RangeError(`${what} is not a valid time: ${String(x)}`)
  }
  return d
}

export type RentalStanding =
  | { status: 'not-yet-rented' }
  | { status: 'charged'; chargeCents: number }
  | { status: 'accruing'; days: number; chargeCents: number }

/** Where one rental stands at `asOf`. */
export function rentalStandingAt(rental: BalanceRental, asOf: Date): RentalStanding {
  const rentedAt = toDate(rental.rentedAt, 'rentedAt')
  const at = asOf.getTime()
  if (rentedAt.getTime() > at) return { status: 'not-yet-rented' }
  if (rental.returnedAt !== null && toDate(rental.returnedAt, 'returnedAt').getTime() <= at) {
    if (rental.chargeCents === null) {
      throw new RangeError(`Returned rental ${rental.rentalId} has no recorded charge`)
    }
    assertCents(rental.chargeCents, 'chargeCents')
    return { status: 'charged', chargeCents: rental.chargeCents }
  }
  return { status: 'accruing', ...chargeAt(rental.plan, rental.bookType, rentedAt, asOf) }
}

function add(a: number, b: number): number {
  const sum = a + b
  assertCents(sum, 'balance total')
  return sum
}

export function computeBalance(input: BalanceInput, asOf: Date): Balance {
  toDate(asOf, 'asOf')
  let chargedCents = input.carried?.chargedCents ?? 0
  let paidCents = input.carried?.paidCents ?? 0
  assertCents(chargedCents, 'carried chargedCents')
  assertCents(paidCents, 'carried paidCents')
  let accruingCents = 0
  const openRentals: OpenRentalAt[] = []

  for (const rental of input.rentals) {
    const standing = rentalStandingAt(rental, asOf)
    if (standing.status === 'charged') chargedCents = add(chargedCents, standing.chargeCents)
    else if (standing.status === 'accruing') {
      accruingCents = add(accruingCents, standing.chargeCents)
      openRentals.push({
        rentalId: rental.rentalId,
        bookId: rental.bookId,
        rentedAt: toDate(rental.rentedAt).toISOString(),
        days: standing.days,
        chargeCents: standing.chargeCents,
      })
    }
  }
  for (const payment of input.payments) {
    assertCents(payment.amountCents, 'amountCents')
    if (toDate(payment.recordedAt, 'recordedAt').getTime() <= asOf.getTime()) {
      paidCents = add(paidCents, payment.amountCents)
    }
  }
  // ISO strings of UTC times sort chronologically; rentalId breaks ties so output is stable.
  openRentals.sort((a, b) =>
    a.rentedAt === b.rentedAt ? compare(a.rentalId, b.rentalId) : compare(a.rentedAt, b.rentedAt),
  )
  const balanceCents = add(add(chargedCents, accruingCents), -paidCents)
  return {
    asOf: asOf.toISOString(),
    chargedCents,
    accruingCents,
    paidCents,
    balanceCents,
    openRentals,
  }
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)
