// Pricing is a pure function of (plan, book type, days). The plan is the one recorded on the
// rental, so changing the deployment's plan never reprices old rentals.
import { assertNever } from './assert-never.js'

export type Plan = 'v1' | 'v2' | 'v3'
export type BookType = 'regular' | 'fiction' | 'novel'

export const PLANS: readonly Plan[] = Object.freeze(['v1', 'v2', 'v3'] as const)
export const BOOK_TYPES: readonly BookType[] = Object.freeze([
  'regular',
  'fiction',
  'novel',
] as const)

export const DAY_MS = 24 * 60 * 60 * 1000

export const isPlan = (x: unknown): x is Plan => (PLANS as readonly unknown[]).includes(x)
export const isBookType = (x: unknown): x is BookType =>
  (BOOK_TYPES as readonly unknown[]).includes(x)

function timeOf(d: Date, what: string): number {
  const ms = d.getTime()
  if (!Number.isSafeInteger(ms)) throw new RangeError(`${what} is not a valid time`)
  return ms
}

/**
 * Started 24-hour periods between `rentedAt` and `at`, at least 1: exactly 24h is 1 day, 24h and
 * one second is 2. A clock that reads before `rentedAt` still charges the first day.
 */
export function rentalDays(rentedAt: Date, at: Date): number {
  const elapsed = timeOf(at, 'at') - timeOf(rentedAt, 'rentedAt')
  if (elapsed <= 0) return 1
  // Exact integer division: subtract the remainder first, so no float is ever rounded.
  const remainder = elapsed % DAY_MS
  const whole = (elapsed - remainder) / DAY_MS
  return remainder === 0 ? whole : whole + 1
}

/**
 * Price in cents of a rental of `days` days (API.md, Pricing). Interpretation of the v3 cells:
 * - regular: 200 for up to 2 days, then 150 for each further day (1 day = 200, 2 = 200, 3 = 350,
 *   4 = 500): the old service's story.
 * - novel: 450 flat for 1 to 3 days; from day 4 on, 150 per day for every day, the first three
 *   included (4 days = 600). Both cases agree at the seam (3 × 150 = 450), so no price drops.
 */
export function priceCents(plan: Plan, bookType: BookType, days: number): number {
  if (!Number.isSafeInteger(days) || days < 1) {
    throw new RangeError(`days must be an integer >= 1, got ${days}`)
  }
  // The v1 branch ignores the type, so check it here rather than price an unknown type.
  if (!isBookType(bookType)) throw new RangeError(`unknown book type ${String(bookType)}`)
  const cents = price(plan, bookType, days)
  if (!Number.isSafeInteger(cents)) throw new RangeError(`price overflow for ${days} days`)
  return cents
}

function price(plan: Plan, bookType: BookType, days: number): number {
  switch (plan) {
    case 'v1':
      return 100 * days
    case 'v2':
      switch (bookType) {
        case 'regular':
          return 150 * days
        case 'fiction':
          return 300 * days
        case 'novel':
          return 150 * days
        default:
          return assertNever(bookType)
      }
    case 'v3':
      switch (bookType) {
        case 'regular':
          return days <= 2 ? 200 : 200 + 150 * (days - 2)
        case 'fiction':
          return 300 * days
        case 'novel':
          return days <= 3 ? 450 : 150 * days
        default:
          return assertNever(bookType)
      }
    default:
      return assertNever(plan)
  }
}

/** What a rental rented at `rentedAt` costs if it ends at `at`. */
export function chargeAt(
  plan: Plan,
  bookType: BookType,
  rentedAt: Date,
  at: Date,
): { days: number; chargeCents: number } {
  const days = rentalDays(rentedAt, at)
  return { days, chargeCents: priceCents(plan, bookType, days) }
}
