import t from 'tap'
import type {
  AccountCommand,
  AccountContext,
  AccountEvent,
  AccountState,
} from '../../../src/domain/index.js'
import {
  accruingCents,
  DAY_MS,
  decideAccount,
  evolveAccount,
  initialAccountState,
  owedCents,
} from '../../../src/domain/index.js'
import { givenWhenThen } from '../../helpers/given-when-then.js'

const given = givenWhenThen<AccountState, AccountCommand, AccountEvent, AccountContext>({
  initialState: initialAccountState,
  evolve: evolveAccount,
  decide: decideAccount,
})

const NOW = new Date('2026-03-10T12:00:00.000Z')
const at = NOW.toISOString()
const daysBefore = (days: number, extraMs = 0): string =>
  new Date(NOW.getTime() - days * DAY_MS - extraMs).toISOString()
const limits = { maxOpenRentals: 3, maxOwedCents: 1000 }
const ctx: AccountContext = { now: NOW, limits }

const registered: AccountEvent = {
  type: 'UserRegistered',
  data: {
    userId: 'u1',
    username: 'ann',
    email: 'ann@example.com',
    role: 'user',
    registeredAt: daysBefore(30),
  },
}
const opened = (
  rentalId: string,
  rentedAt = daysBefore(1),
  plan: 'v1' | 'v2' | 'v3' = 'v3',
  bookType: 'regular' | 'fiction' | 'novel' = 'regular',
): AccountEvent => ({
  type: 'RentalOpened',
  data: { rentalId, userId: 'u1', bookId: `book-of-${rentalId}`, bookType, plan, rentedAt },
})
const closed = (rentalId: string, chargeCents: number): AccountEvent => ({
  type: 'RentalClosed',
  data: {
    rentalId,
    userId: 'u1',
    bookId: `book-of-${rentalId}`,
    rentedAt: daysBefore(20),
    returnedAt: daysBefore(19),
    days: 1,
    chargeCents,
  },
})
const paid = (paymentId: string, amountCents: number): AccountEvent => ({
  type: 'PaymentRecorded',
  data: { paymentId, userId: 'u1', amountCents, reference: null, recordedAt: daysBefore(5) },
})
const openRental = (rentalId: string): AccountCommand => ({
  type: 'OpenRental',
  rentalId,
  bookId: `book-of-${rentalId}`,
  bookType: 'regular',
  plan: 'v3',
})

t.test('RegisterUser', async (t) => {
  const command: AccountCommand = {
    type: 'RegisterUser',
    userId: 'u1',
    username: 'ann',
    email: 'ann@example.com',
    role: 'staff',
  }
  const state = given([])
    .when(command, ctx)
    .thenEvents(t, [
      {
        type: 'UserRegistered',
        data: {
          userId: 'u1',
          username: 'ann',
          email: 'ann@example.com',
          role: 'staff',
          registeredAt: at,
        },
      },
    ])
  t.strictSame(state, {
    userId: 'u1',
    role: 'staff',
    chargedCents: 0,
    paidCents: 0,
    openRentals: {},
    closedRentals: 0,
  })
  given([registered]).when(command, ctx).thenError(t, 'USER_ALREADY_REGISTERED')
})

t.test('OpenRental', async (t) => {
  const state = given([registered])
    .when(openRental('r1'), ctx)
    .thenEvents(t, [
      {
        type: 'RentalOpened',
        data: {
          rentalId: 'r1',
          userId: 'u1',
          bookId: 'book-of-r1',
          bookType: 'regular',
          plan: 'v3',
          rentedAt: at,
        },
      },
    ])
  t.strictSame(state?.openRentals, {
    r1: { bookId: 'book-of-r1', bookType: 'regular', plan: 'v3', rentedAt: at },
  })
  given([]).when(openRental('r1'), ctx).thenError(t, 'ACCOUNT_NOT_FOUND')
  given([registered, opened('r1')])
    .when(openRental('r1'), ctx)
    .thenError(t, 'CONFLICT')

  // Open-rental limit: 3 open refuse a 4th; closing one frees a slot.
  const three = [registered, opened('r1'), opened('r2'), opened('r3')]
  given(three).when(openRental('r4'), ctx).thenError(t, 'OPEN_RENTAL_LIMIT')
  given([...three, closed('r3', 200)])
    .when(openRental('r4'), ctx)
    .thenEvents(t, [
      {
        type: 'RentalOpened',
        data: {
          rentalId: 'r4',
          userId: 'u1',
          bookId: 'book-of-r4',
          bookType: 'regular',
          plan: 'v3',
          rentedAt: at,
        },
      },
    ])
  given([registered])
    .when(openRental('r1'), { now: NOW, limits: { ...limits, maxOpenRentals: 0 } })
    .thenError(t, 'OPEN_RENTAL_LIMIT')
})

t.test('OpenRental: the balance limit counts charges, accruing rentals and payments', async (t) => {
  // Posted charges alone reach the limit.
  given([registered, closed('c1', 1000)])
    .when(openRental('r9'), ctx)
    .thenError(t, 'BALANCE_LIMIT')
  given([registered, closed('c1', 600), closed('c2', 400)])
    .when(openRental('r9'), ctx)
    .thenError(t, 'BALANCE_LIMIT')
  // One cent paid brings it under.
  const paidOne = given([registered, closed('c1', 1000), paid('p1', 1)]).when(openRental('r9'), ctx)
  t.notOk('error' in paidOne.outcome, 'paying 1 cent allows renting again')
  // An open v3 fiction rental out for 3 days plus 1 ms accrues 4 days = 1200 >= 1000.
  given([registered, opened('o1', daysBefore(3, 1), 'v3', 'fiction')])
    .when(openRental('r9'), ctx)
    .thenError(t, 'BALANCE_LIMIT')
  // ... while out for exactly 3 days it accrues 900 < 1000.
  const ok = given([registered, opened('o1', daysBefore(3), 'v3', 'fiction')]).when(
    openRental('r9'),
    ctx,
  )
  t.notOk('error' in ok.outcome, '900 owed is under the 1000 limit')
  // A credit (paid more than charged) is not debt.
  const credit = given([registered, paid('p1', 5000), closed('c1', 4500)]).when(
    openRental('r9'),
    ctx,
  )
  t.notOk('error' in credit.outcome, 'a credit never blocks')
})

t.test('CloseRental charges by the plan and type recorded on the rental', async (t) => {
  const close: AccountCommand = { type: 'CloseRental', rentalId: 'r1' }
  const rentedAt = daysBefore(3, 1000) // 3 days and 1 second ago: 4 days
  const state = given([registered, opened('r1', rentedAt, 'v3', 'novel'), opened('r2')])
    .when(close, ctx)
    .thenEvents(t, [
      {
        type: 'RentalClosed',
        data: {
          rentalId: 'r1',
          userId: 'u1',
          bookId: 'book-of-r1',
          rentedAt,
          returnedAt: at,
          days: 4,
          chargeCents: 600,
        },
      },
    ])
  t.equal(state?.chargedCents, 600)
  t.equal(state?.closedRentals, 1)
  t.strictSame(Object.keys(state?.openRentals ?? {}), ['r2'])

  given([registered, opened('r1', rentedAt, 'v1', 'novel')])
    .when(close, ctx)
    .thenEvents(t, [
      {
        type: 'RentalClosed',
        data: {
          rentalId: 'r1',
          userId: 'u1',
          bookId: 'book-of-r1',
          rentedAt,
          returnedAt: at,
          days: 4,
          chargeCents: 400,
        },
      },
    ])
  given([registered, opened('r1', daysBefore(1), 'v2', 'fiction')])
    .when(close, ctx)
    .thenEvents(t, [
      {
        type: 'RentalClosed',
        data: {
          rentalId: 'r1',
          userId: 'u1',
          bookId: 'book-of-r1',
          rentedAt: daysBefore(1),
          returnedAt: at,
          days: 1,
          chargeCents: 300,
        },
      },
    ])
  given([registered, opened('r1'), closed('r1', 200)])
    .when(close, ctx)
    .thenError(t, 'RENTAL_NOT_FOUND')
  given([registered]).when(close, ctx).thenError(t, 'RENTAL_NOT_FOUND')
  given([registered])
    .when({ type: 'CloseRental', rentalId: 'toString' }, ctx)
    .thenError(t, 'RENTAL_NOT_FOUND')
  given([]).when(close, ctx).thenError(t, 'ACCOUNT_NOT_FOUND')
})

t.test('RecordPayment', async (t) => {
  const pay = (amountCents: number, reference?: string): AccountCommand => ({
    type: 'RecordPayment',
    paymentId: 'p1',
    amountCents,
    ...(reference !== undefined && { reference }),
  })
  const state = given([registered, paid('p0', 100)])
    .when(pay(450, 'cash desk'), ctx)
    .thenEvents(t, [
      {
        type: 'PaymentRecorded',
        data: {
          paymentId: 'p1',
          userId: 'u1',
          amountCents: 450,
          reference: 'cash desk',
          recordedAt: at,
        },
      },
    ])
  t.equal(state?.paidCents, 550)
  given([registered])
    .when(pay(1), ctx)
    .thenEvents(t, [
      {
        type: 'PaymentRecorded',
        data: { paymentId: 'p1', userId: 'u1', amountCents: 1, reference: null, recordedAt: at },
      },
    ])
  for (const bad of [0, -100, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
    given([registered]).when(pay(bad), ctx).thenError(t, 'INVALID_AMOUNT')
  }
  given([]).when(pay(100), ctx).thenError(t, 'ACCOUNT_NOT_FOUND')
})

t.test('owedCents and accruingCents', async (t) => {
  t.equal(owedCents(null, NOW), 0)
  t.equal(accruingCents(null, NOW), 0)
  const state = given([
    registered,
    closed('c1', 700),
    paid('p1', 250),
    opened('o1', daysBefore(2), 'v3', 'regular'), // 2 days: 200
    opened('o2', daysBefore(0), 'v2', 'fiction'), // 1 day: 300
  ]).state
  t.equal(accruingCents(state, NOW), 500)
  t.equal(owedCents(state, NOW), 700 + 500 - 250)
  const later = new Date(NOW.getTime() + DAY_MS)
  t.equal(accruingCents(state, later), 350 + 300, 'a day later both accrue one more day')
})

t.test('evolveAccount refuses events that do not fit the stream', async (t) => {
  t.throws(() => evolveAccount(null, paid('p1', 1)), /account does not exist/)
  t.throws(() => evolveAccount(evolveAccount(null, registered), registered), /already registered/)
  t.throws(() => decideAccount({ type: 'Nope' } as unknown as AccountCommand, null, ctx))
})
