import t from 'tap'
import type { BalanceInput, BalanceRental } from '../../../src/domain/index.js'
import { computeBalance, DAY_MS, rentalStandingAt } from '../../../src/domain/index.js'

const D0 = new Date('2026-04-01T00:00:00.000Z')
const day = (n: number, extraMs = 0): Date => new Date(D0.getTime() + n * DAY_MS + extraMs)
const iso = (n: number, extraMs = 0): string => day(n, extraMs).toISOString()

// All v3 regular: 1d 200, 2d 200, 3d 350, 4d 500, 5d 650, 6d 800, 9d 1250.
const rental = (
  rentalId: string,
  rentedDay: number,
  returnedDay: number | null,
  chargeCents: number | null,
): BalanceRental => ({
  rentalId,
  bookId: `b-${rentalId}`,
  plan: 'v3',
  bookType: 'regular',
  rentedAt: iso(rentedDay),
  returnedAt: returnedDay === null ? null : iso(returnedDay),
  chargeCents,
})

const history: BalanceInput = {
  rentals: [
    rental('r1', 0, 2, 400), // returned day 2
    rental('r2', 1, null, null), // still open
    rental('r4', 1, 4, 700), // returned day 4 (a recorded charge: never recomputed)
    rental('r3', 5, null, null), // rented day 5
  ],
  payments: [
    { recordedAt: iso(1), amountCents: 100 },
    { recordedAt: day(4), amountCents: 200 },
  ],
}

t.test(
  'asOf in the past: later returns are open, later rentals and payments do not exist',
  async (t) => {
    t.strictSame(computeBalance(history, day(3)), {
      asOf: iso(3),
      chargedCents: 400,
      accruingCents: 200 + 200,
      paidCents: 100,
      balanceCents: 400 + 400 - 100,
      openRentals: [
        { rentalId: 'r2', bookId: 'b-r2', rentedAt: iso(1), days: 2, chargeCents: 200 },
        { rentalId: 'r4', bookId: 'b-r4', rentedAt: iso(1), days: 2, chargeCents: 200 },
      ],
    })
  },
)

t.test('asOf before anything: all zero', async (t) => {
  t.strictSame(computeBalance(history, day(-1)), {
    asOf: iso(-1),
    chargedCents: 0,
    accruingCents: 0,
    paidCents: 0,
    balanceCents: 0,
    openRentals: [],
  })
})

t.test('asOf in the future: a quote of what will be owed', async (t) => {
  // Day 10: r2 out 9 days (1250), r3 out 5 days (650).
  t.strictSame(computeBalance(history, day(10)), {
    asOf: iso(10),
    chargedCents: 400 + 700,
    accruingCents: 1250 + 650,
    paidCents: 300,
    balanceCents: 1100 + 1900 - 300,
    openRentals: [
      { rentalId: 'r2', bookId: 'b-r2', rentedAt: iso(1), days: 9, chargeCents: 1250 },
      { rentalId: 'r3', bookId: 'b-r3', rentedAt: iso(5), days: 5, chargeCents: 650 },
    ],
  })
})

t.test('boundaries at asOf are inclusive', async (t) => {
  // Returned exactly at asOf: charged. Rented exactly at asOf: open, 1 day. Paid at asOf: counts.
  const b = computeBalance(history, day(4))
  t.equal(b.chargedCents, 400 + 700, 'r4 returned at asOf is charged, not accruing')
  t.equal(b.paidCents, 300, 'payment recorded at asOf counts')
  t.strictSame(
    b.openRentals.map((r) => r.rentalId),
    ['r2'],
  )
  const c = computeBalance(history, day(5))
  t.strictSame(c.openRentals[1], {
    rentalId: 'r3',
    bookId: 'b-r3',
    rentedAt: iso(5),
    days: 1,
    chargeCents: 200,
  })
  // One millisecond before the return, r4 is still accruing.
  const d = computeBalance(history, day(4, -1))
  t.equal(d.chargedCents, 400)
  t.equal(d.paidCents, 100)
  t.strictSame(
    d.openRentals.map((r) => [r.rentalId, r.days, r.chargeCents]),
    [
      ['r2', 3, 350],
      ['r4', 3, 350],
    ],
  )
})

t.test('rentalStandingAt', async (t) => {
  const r = rental('r', 1, 4, 700)
  t.strictSame(rentalStandingAt(r, day(0)), { status: 'not-yet-rented' })
  t.strictSame(rentalStandingAt(r, day(2)), { status: 'accruing', days: 1, chargeCents: 200 })
  t.strictSame(rentalStandingAt(r, day(4)), { status: 'charged', chargeCents: 700 })
  t.throws(() => rentalStandingAt(rental('x', 0, 1, null), day(2)), /no recorded charge/)
  t.throws(() => rentalStandingAt({ ...r, rentedAt: 'not a time' }, day(2)), RangeError)
})

t.test('carried totals and Date inputs', async (t) => {
  const b = computeBalance(
    {
      rentals: [{ ...rental('r', 0, null, null), rentedAt: day(0) }],
      payments: [{ recordedAt: day(0), amountCents: 50 }],
      carried: { chargedCents: 1000, paidCents: 300 },
    },
    day(1, 1),
  )
  t.strictSame(
    [b.chargedCents, b.accruingCents, b.paidCents, b.balanceCents],
    [1000, 200, 350, 850],
  )
  t.equal(computeBalance({ rentals: [], payments: [] }, day(0)).balanceCents, 0)
  t.throws(
    () =>
      computeBalance({ rentals: [], payments: [{ recordedAt: day(0), amountCents: 0.5 }] }, day(1)),
    RangeError,
  )
  t.throws(() => computeBalance({ rentals: [], payments: [] }, new Date(Number.NaN)), RangeError)
})

t.test('plan and type are those recorded on each rental', async (t) => {
  const b = computeBalance(
    {
      rentals: [
        { ...rental('a', 0, null, null), plan: 'v1', bookType: 'fiction' },
        { ...rental('b', 0, null, null), plan: 'v2', bookType: 'fiction' },
        { ...rental('c', 0, null, null), plan: 'v3', bookType: 'novel' },
      ],
      payments: [],
    },
    day(4),
  )
  t.strictSame(
    b.openRentals.map((r) => [r.rentalId, r.days, r.chargeCents]),
    [
      ['a', 4, 400],
      ['b', 4, 1200],
      ['c', 4, 600],
    ],
  )
  t.equal(b.accruingCents, 2200)
})
