import t from 'tap'
import type { BookType, Plan } from '../../../src/domain/index.js'
import {
  BOOK_TYPES,
  chargeAt,
  DAY_MS,
  PLANS,
  priceCents,
  rentalDays,
} from '../../../src/domain/index.js'
import { PRICE_TABLE } from '../../helpers/price-table.js'

const T0 = new Date('2026-03-01T09:30:00.000Z')
const after = (ms: number): Date => new Date(T0.getTime() + ms)
const SECOND = 1000

const TABLE = PRICE_TABLE

t.strictSame(PLANS, ['v1', 'v2', 'v3'])
t.strictSame(BOOK_TYPES, ['regular', 'fiction', 'novel'])

t.test(
  'v3 regular is the old service’s story: 200 up to 2 days, then 150 per further day',
  async (t) => {
    t.strictSame(
      [1, 2, 3, 4].map((days) => priceCents('v3', 'regular', days)),
      [200, 200, 350, 500],
    )
  },
)

t.test('every cell of the price table, from rental times', async (t) => {
  for (const plan of PLANS) {
    for (const bookType of BOOK_TYPES) {
      TABLE[plan][bookType].forEach((expected, i) => {
        const days = i + 1
        t.equal(priceCents(plan, bookType, days), expected, `${plan} ${bookType} ${days}d`)
        // Exactly `days` periods, and just past `days - 1` periods, both count as `days`.
        t.strictSame(
          chargeAt(plan, bookType, T0, after(days * DAY_MS)),
          { days, chargeCents: expected },
          `${plan} ${bookType} returned after exactly ${days}×24h`,
        )
        t.strictSame(
          chargeAt(plan, bookType, T0, after((days - 1) * DAY_MS + SECOND)),
          { days, chargeCents: expected },
          `${plan} ${bookType} returned 1s into day ${days}`,
        )
        t.strictSame(
          chargeAt(plan, bookType, T0, after(days * DAY_MS - SECOND)),
          { days, chargeCents: expected },
          `${plan} ${bookType} returned 1s before ${days}×24h`,
        )
        const next = TABLE[plan][bookType][days]
        if (next !== undefined) {
          t.strictSame(
            chargeAt(plan, bookType, T0, after(days * DAY_MS + SECOND)),
            { days: days + 1, chargeCents: next },
            `${plan} ${bookType} returned 1s after ${days}×24h`,
          )
        }
      })
    }
  }
})

t.test('rentalDays counts started 24-hour periods, at least 1', async (t) => {
  t.equal(rentalDays(T0, T0), 1, 'returned at once: 1 day')
  t.equal(rentalDays(T0, after(1)), 1, '1 ms')
  t.equal(rentalDays(T0, after(DAY_MS - 1)), 1, 'just under 24h')
  t.equal(rentalDays(T0, after(DAY_MS)), 1, 'exactly 24h is 1 day')
  t.equal(rentalDays(T0, after(DAY_MS + SECOND)), 2, '24h + 1s is 2 days')
  t.equal(rentalDays(T0, after(DAY_MS + 1)), 2, '24h + 1ms is 2 days')
  t.equal(rentalDays(T0, after(2 * DAY_MS)), 2, 'exactly 48h')
  t.equal(rentalDays(T0, after(2 * DAY_MS + 1)), 3, '48h + 1ms')
  t.equal(rentalDays(T0, after(-DAY_MS * 3)), 1, 'clock before rentedAt still 1 day')
  t.equal(rentalDays(T0, after(3650 * DAY_MS + 1)), 3651, 'ten years')
  t.throws(() => rentalDays(new Date(Number.NaN), T0), RangeError)
  t.throws(() => rentalDays(T0, new Date('garbage')), RangeError)
})

t.test('priceCents rejects days that are not integers >= 1, and unknown types', async (t) => {
  for (const days of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
    t.throws(() => priceCents('v3', 'regular', days), RangeError, `days ${days}`)
  }
  t.throws(() => priceCents('v1', 'comic' as BookType, 1), RangeError)
  t.throws(() => priceCents('v9' as Plan, 'regular', 1))
  t.throws(() => priceCents('v3', 'fiction', Number.MAX_SAFE_INTEGER), RangeError, 'overflow')
})

t.test('prices are integers in cents', async (t) => {
  const notIntegers: string[] = []
  for (const plan of PLANS) {
    for (const bookType of BOOK_TYPES) {
      for (let days = 1; days <= 400; days++) {
        const cents = priceCents(plan, bookType, days)
        if (!Number.isSafeInteger(cents)) notIntegers.push(`${plan} ${bookType} ${days}: ${cents}`)
      }
    }
  }
  t.strictSame(notIntegers, [])
})
