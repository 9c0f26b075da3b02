import { deepStrictEqual } from 'node:assert/strict'
import fc from 'fast-check'
import t from 'tap'
import type {
  AccountCommand,
  AccountEvent,
  AccountState,
  BalanceInput,
  BalanceRental,
  BookCommand,
  BookEvent,
  BookState,
} from '../../../src/domain/index.js'
import {
  BOOK_TYPES,
  computeBalance,
  DAY_MS,
  DomainError,
  decideAccount,
  decideBook,
  evolveAccount,
  evolveBook,
  openRentalCount,
  owedCents,
  PLANS,
  priceCents,
} from '../../../src/domain/index.js'

const T0 = Date.parse('2026-01-01T00:00:00.000Z')
const plan = fc.constantFrom(...PLANS)
const bookType = fc.constantFrom(...BOOK_TYPES)
const rentalId = fc.constantFrom('r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7')
// Steps of up to ~3 days, so rentals span many pricing days.
const step = fc.integer({ min: 0, max: 3 * DAY_MS })

/** Runs commands one by one, skipping those the domain refuses (as the API would answer 4xx). */
function run<S, C, E>(
  initial: S,
  steps: { command: C; advance: number }[],
  decide: (c: C, s: S, now: Date) => E[],
  evolve: (s: S, e: E) => S,
  check: (s: S) => void = () => {},
): { state: S; events: E[]; now: Date } {
  let state = initial
  let clock = T0
  const events: E[] = []
  for (const { command, advance } of steps) {
    clock += advance
    let decided: E[]
    try {
      decided = decide(command, state, new Date(clock))
    } catch (err) {
      if (err instanceof DomainError) continue
      throw err
    }
    for (const e of decided) {
      state = evolve(state, e)
      events.push(e)
      check(state)
    }
  }
  return { state, events, now: new Date(clock) }
}

const bookCommand: fc.Arbitrary<BookCommand> = fc.oneof(
  fc.record({
    type: fc.constant('AddBook' as const),
    bookId: fc.constant('b1'),
    title: fc.constantFrom('Dune', ' ', 'Emma'),
    author: fc.constantFrom('Herbert', 'Austen'),
    description: fc.string({ maxLength: 5 }),
    bookType,
    copies: fc.integer({ min: 0, max: 4 }),
  }),
  fc.record({
    type: fc.constant('UpdateBook' as const),
    bookId: fc.constant('b1'),
    title: fc.option(fc.constantFrom('Dune', 'Emma', ''), { nil: undefined }),
    bookType: fc.option(bookType, { nil: undefined }),
  }),
  fc.record({
    type: fc.constant('ChangeCopies' as const),
    bookId: fc.constant('b1'),
    copies: fc.integer({ min: -1, max: 6 }),
  }),
  fc.record({
    type: fc.constant('RentBook' as const),
    rentalId,
    bookId: fc.constant('b1'),
    userId: fc.constantFrom('u1', 'u2'),
    plan,
  }),
  fc.record({ type: fc.constant('ReturnBook' as const), rentalId, bookId: fc.constant('b1') }),
)

const foldBook = (events: BookEvent[]): BookState => events.reduce(evolveBook, null as BookState)
const foldAccount = (events: AccountEvent[]): AccountState =>
  events.reduce(evolveAccount, null as AccountState)

t.test('copies out never exceed copies, and replay rebuilds the book state', async (t) => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ command: bookCommand, advance: step }), { maxLength: 60 }),
      (steps) => {
        const { state, events } = run<BookState, BookCommand, BookEvent>(
          null,
          steps,
          (c, s, now) => decideBook(c, s, { now }),
          evolveBook,
          (s) => {
            if (s === null) return
            if (openRentalCount(s) > s.copies) throw new Error('more copies out than exist')
            if (s.copies < 1) throw new Error('copies below 1')
          },
        )
        // The log is stored as JSON: replaying the stored form gives the same state.
        const stored = JSON.parse(JSON.stringify(events)) as BookEvent[]
        deepStrictEqual(foldBook(stored), state)
      },
    ),
    { numRuns: 300 },
  )
  t.pass('property held')
})

const limits = { maxOpenRentals: 4, maxOwedCents: 5000 }
const accountCommand: fc.Arbitrary<AccountCommand> = fc.oneof(
  {
    arbitrary: fc.record({
      type: fc.constant('OpenRental' as const),
      rentalId,
      bookId: fc.constant('b'),
      bookType,
      plan,
    }),
    weight: 3,
  },
  { arbitrary: fc.record({ type: fc.constant('CloseRental' as const), rentalId }), weight: 3 },
  {
    arbitrary: fc.record({
      type: fc.constant('RecordPayment' as const),
      paymentId: fc.uuid(),
      amountCents: fc.integer({ min: -10, max: 3000 }),
    }),
    weight: 2,
  },
)
const register: AccountCommand = {
  type: 'RegisterUser',
  userId: 'u1',
  username: 'u',
  email: 'u@x.io',
  role: 'user',
}

/** The read model's view of an account stream: every rental and payment with its times. */
function historyOf(events: AccountEvent[]): BalanceInput {
  const rentals = new Map<string, BalanceRental>()
  const payments: BalanceInput['payments'][number][] = []
  for (const e of events) {
    if (e.type === 'RentalOpened') {
      const { rentalId, bookId, plan, bookType, rentedAt } = e.data
      // Rental ids are reused after close in this generator; key by open order.
      rentals.set(`${rentalId}@${rentedAt}#${rentals.size}`, {
        rentalId,
        bookId,
        plan,
        bookType,
        rentedAt,
        returnedAt: null,
        chargeCents: null,
      })
    } else if (e.type === 'RentalClosed') {
      for (const r of rentals.values()) {
        if (r.rentalId === e.data.rentalId && r.returnedAt === null) {
          r.returnedAt = e.data.returnedAt
          r.chargeCents = e.data.chargeCents
        }
      }
    } else if (e.type === 'PaymentRecorded') {
      payments.push({ recordedAt: e.data.recordedAt, amountCents: e.data.amountCents })
    }
  }
  return { rentals: [...rentals.values()], payments }
}

t.test('balance arithmetic holds for random histories, at any asOf', async (t) => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ command: accountCommand, advance: step }), { maxLength: 50 }),
      fc.integer({ min: -DAY_MS, max: 200 * DAY_MS }),
      (steps, asOfOffset) => {
        const { state, events, now } = run<AccountState, AccountCommand, AccountEvent>(
          null,
          [{ command: register, advance: 0 }, ...steps],
          (c, s, now) => decideAccount(c, s, { now, limits }),
          evolveAccount,
        )
        deepStrictEqual(foldAccount(JSON.parse(JSON.stringify(events)) as AccountEvent[]), state)

        const history = historyOf(events)
        const asOf = new Date(T0 + asOfOffset)
        const b = computeBalance(history, asOf)
        const at = asOf.getTime()
        // Independent sums, written the naive way.
        let charged = 0
        let accruing = 0
        for (const r of history.rentals) {
          const rented = Date.parse(String(r.rentedAt))
          if (rented > at) continue
          const returned = r.returnedAt === null ? null : Date.parse(String(r.returnedAt))
          if (returned !== null && returned <= at) charged += r.chargeCents ?? Number.NaN
          else
            accruing += priceCents(
              r.plan,
              r.bookType,
              Math.max(1, Math.ceil((at - rented) / DAY_MS)),
            )
        }
        let paid = 0
        for (const p of history.payments)
          if (Date.parse(String(p.recordedAt)) <= at) paid += p.amountCents
        const ok =
          b.chargedCents === charged &&
          b.accruingCents === accruing &&
          b.paidCents === paid &&
          b.balanceCents === b.chargedCents + b.accruingCents - b.paidCents &&
          b.openRentals.reduce((sum, r) => sum + r.chargeCents, 0) === b.accruingCents &&
          [b.chargedCents, b.accruingCents, b.paidCents, b.balanceCents].every(Number.isSafeInteger)
        if (!ok)
          throw new Error(`balance mismatch: ${JSON.stringify({ b, charged, accruing, paid })}`)

        // The account stream and the read model agree on what is owed now.
        const readModel = computeBalance(history, now)
        if (owedCents(state, now) !== readModel.balanceCents) {
          throw new Error(
            `account owes ${owedCents(state, now)}, read model ${readModel.balanceCents}`,
          )
        }
        // Once every rental is closed and long past, nothing accrues.
        if (state !== null && Object.keys(state.openRentals).length === 0) {
          const far = computeBalance(history, new Date(now.getTime() + 400 * DAY_MS))
          if (
            far.accruingCents !== 0 ||
            far.balanceCents !== state.chargedCents - state.paidCents
          ) {
            throw new Error('closed history still accrues')
          }
        }
      },
    ),
    { numRuns: 300 },
  )
  t.pass('property held')
})

t.test('priceCents is an integer and non-decreasing in days', async (t) => {
  fc.assert(
    fc.property(plan, bookType, fc.integer({ min: 1, max: 100_000 }), (p, bt, days) => {
      const today = priceCents(p, bt, days)
      const tomorrow = priceCents(p, bt, days + 1)
      return Number.isSafeInteger(today) && Number.isSafeInteger(tomorrow) && tomorrow >= today
    }),
    { numRuns: 2000 },
  )
  t.pass('property held')
})
