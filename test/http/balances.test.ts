import t from 'tap'
import { rentBook } from '../../src/commands/rentals.js'
import { encodePosition } from '../../src/eventstore/position.js'
import { commandDeps } from '../../src/service.js'
import { DAY, forEachApp, HOUR, type TestUser } from '../helpers/app.js'
import { PRICE_TABLE } from '../helpers/price-table.js'

type BookType = 'regular' | 'fiction' | 'novel'
const TYPES: BookType[] = ['regular', 'fiction', 'novel']

const PRICES = PRICE_TABLE

const UNKNOWN = '00000000-0000-4000-8000-000000000000'

forEachApp(t, async (t, ctx) => {
  const { app, user, clock, addBook } = ctx
  const staff = await user('staff')
  const frank = await user()

  const books = {} as Record<BookType, string>
  for (const type of TYPES) {
    books[type] = (
      await addBook(staff, { title: `A ${type} book`, author: 'Balances Test', type, copies: 9 })
    ).id
  }
  const post = (who: TestUser, url: string, payload?: object, headers: object = {}) =>
    app.inject({ method: 'POST', url, headers: { ...who.auth, ...headers }, payload })
  const balance = (who: TestUser, userId: string, query: string) =>
    app.inject({ url: `/api/users/${userId}/balance?${query}`, headers: who.auth })
  const at = (d: Date, plusMs = 0) => new Date(d.getTime() + plusMs).toISOString()

  await t.test('pricing end to end: each plan and book type, 1 to 6 days', async (t) => {
    for (const plan of ['v1', 'v2', 'v3'] as const) {
      const renter = await user()
      const rentedAt = clock.read()
      const typeOf = new Map<string, BookType>()
      let position = ''
      for (const type of TYPES) {
        // v3 is this deployment's plan (PRICE_PLAN); the others are recorded on the rental directly.
        if (plan === 'v3') {
          const res = await post(renter, '/api/rentals', { bookId: books[type] })
          t.equal(res.json().plan, 'v3', 'the deployment plan is recorded')
          typeOf.set(res.json().id, type)
          position = res.json().position
        } else {
          const deps = commandDeps(ctx.config, ctx.database, clock.read)
          const r = await rentBook(deps, { bookId: books[type], userId: renter.id, plan }, {})
          typeOf.set(r.rental.id, type)
          position = encodePosition(r.position)
        }
      }
      for (let days = 1; days <= 6; days++) {
        const res = await balance(
          renter,
          renter.id,
          `asOf=${at(rentedAt, days * DAY)}&minPosition=${position}`,
        )
        t.equal(res.statusCode, 200)
        const b = res.json()
        const expected = TYPES.map((type) => PRICES[plan][type][days - 1]!)
        const got = TYPES.map((type) => {
          const open = b.openRentals.find(
            (r: { rentalId: string }) => typeOf.get(r.rentalId) === type,
          )
          t.equal(open?.days, days, `${plan} ${type}: ${days} days`)
          return open?.chargeCents
        })
        t.same(got, expected, `${plan} after ${days} days: ${expected.join(', ')}`)
        const sum = expected.reduce((a, c) => a + c, 0)
        t.match(b, { chargedCents: 0, accruingCents: sum, paidCents: 0, balanceCents: sum })
      }
    }
  })

  await t.test('asOf in the past, now and the future; payments lower the balance', async (t) => {
    const t0 = clock.read()
    const first = (await post(frank, '/api/rentals', { bookId: books.regular })).json()
    clock.advance(2 * DAY + HOUR)
    const t1 = clock.read()
    const back = (await post(frank, `/api/rentals/${first.id}/return`)).json()
    t.equal(back.chargeCents, 350, '3 started days of a regular book under v3')
    clock.advance(HOUR)
    const t2 = clock.read()
    const paid = await post(staff, '/api/payments', { userId: frank.id, amountCents: 300 })
    t.equal(paid.statusCode, 201)
    t.match(paid.json(), {
      id: String,
      userId: frank.id,
      amountCents: 300,
      reference: null,
      recordedAt: t2.toISOString(),
      recordedBy: staff.id,
      position: /^[0-9a-f]{32}$/,
    })
    clock.advance(HOUR)
    const second = (await post(frank, '/api/rentals', { bookId: books.fiction })).json()
    const q = (asOf?: string) => `${asOf ? `asOf=${asOf}&` : ''}minPosition=${second.position}`
    const of = async (asOf?: string) => (await balance(frank, frank.id, q(asOf))).json()

    const none = { chargedCents: 0, accruingCents: 0, paidCents: 0, balanceCents: 0 }
    t.same(await of(at(t0, -1)), { userId: frank.id, asOf: at(t0, -1), ...none, openRentals: [] })
    t.same((await of(at(t0, DAY))).openRentals, [
      { rentalId: first.id, bookId: books.regular, rentedAt: at(t0), days: 1, chargeCents: 200 },
    ])
    t.match(await of(at(t1, -1)), { chargedCents: 0, accruingCents: 350, balanceCents: 350 })
    t.match(await of(at(t1)), {
      chargedCents: 350,
      accruingCents: 0,
      paidCents: 0,
      openRentals: [],
    })
    t.match(await of(at(t2, -1)), { chargedCents: 350, paidCents: 0, balanceCents: 350 })
    t.match(await of(at(t2)), { chargedCents: 350, paidCents: 300, balanceCents: 50 })
    const now = await of()
    t.match(now, { asOf: clock.read().toISOString(), chargedCents: 350, accruingCents: 300 })
    t.equal(now.balanceCents, 350 + 300 - 300)
    t.same(
      now.openRentals.map((r: { rentalId: string }) => r.rentalId),
      [second.id],
    )
    const me = await app.inject({ url: `/api/me/balance?${q()}`, headers: frank.auth })
    t.same(me.json(), now, '/api/me/balance is the same balance')
    const quote = await of(at(clock.read(), 3 * DAY))
    t.match(quote, { chargedCents: 350, accruingCents: 900, paidCents: 300, balanceCents: 950 })
    t.equal(quote.openRentals[0]?.days, 3, 'a quote prices the open rental at asOf')

    const byStaff = await post(staff, '/api/payments', {
      amountCents: 1000,
      userId: frank.id,
      reference: 'till 3',
    })
    t.equal(byStaff.statusCode, 201)
    t.match(byStaff.json(), { userId: frank.id, reference: 'till 3' })
    const after = (await balance(frank, frank.id, `minPosition=${byStaff.json().position}`)).json()
    t.match(after, { paidCents: 1300, balanceCents: 350 + 300 - 1300 }, 'a credit is negative')
  })

  await t.test('a payment under an Idempotency-Key counts once', async (t) => {
    const payer = await user()
    const key = { 'idempotency-key': 'pay-once' }
    const pay = (amountCents: number) =>
      post(staff, '/api/payments', { userId: payer.id, amountCents }, key)
    const one = await pay(250)
    const two = await pay(250)
    t.equal(two.statusCode, 201)
    t.equal(two.json().id, one.json().id)
    t.equal(two.headers['idempotent-replayed'], 'true')
    const b = await balance(payer, payer.id, `minPosition=${one.json().position}`)
    t.equal(b.json().paidCents, 250)
    const other = await pay(251)
    t.equal(other.statusCode, 422)
  })

  await t.test('who may pay and see a balance', async (t) => {
    const other = await user()
    t.equal((await balance(frank, other.id, '')).statusCode, 403)
    t.equal((await balance(staff, other.id, '')).statusCode, 200, 'staff see anyone’s')
    const unknown = await balance(staff, UNKNOWN, '')
    t.equal(unknown.statusCode, 404)
    t.equal(unknown.json().code, 'ACCOUNT_NOT_FOUND')
    t.equal((await app.inject({ url: `/api/users/${frank.id}/balance` })).statusCode, 401)
    t.equal((await app.inject({ url: '/api/me/balance' })).statusCode, 401)
    const forOther = await post(frank, '/api/payments', { amountCents: 100, userId: other.id })
    t.equal(forOther.statusCode, 403)
    const forSelf = await post(frank, '/api/payments', { amountCents: 100, userId: frank.id })
    t.equal(forSelf.statusCode, 403, 'a user cannot record money they did not pay')
    t.equal((await app.inject({ method: 'POST', url: '/api/payments' })).statusCode, 401)
    const forUnknown = await post(staff, '/api/payments', { amountCents: 100, userId: UNKNOWN })
    t.equal(forUnknown.statusCode, 404)
    t.equal(forUnknown.json().code, 'ACCOUNT_NOT_FOUND')
  })

  await t.test('bad input is a 400 problem', async (t) => {
    for (const asOf of [
      'yesterday',
      '2026-01-01',
      '2016-12-31T23:59:60Z',
      '0000-01-01T00:00:00Z',
    ]) {
      const res = await balance(frank, frank.id, `asOf=${encodeURIComponent(asOf)}`)
      t.equal(res.statusCode, 400, `asOf ${asOf}`)
      t.equal(res.json().code, 'VALIDATION_FAILED')
    }
    for (const payload of [
      {},
      { amountCents: 0 },
      { amountCents: -5 },
      { amountCents: 1.5 },
      { amountCents: '100' },
      { amountCents: 1_000_001 },
      { amountCents: 100, reference: 'x'.repeat(201) },
      { amountCents: 100, note: 'extra' },
    ]) {
      const res = await post(staff, '/api/payments', { userId: frank.id, ...payload })
      t.equal(res.statusCode, 400, JSON.stringify(payload).slice(0, 60))
    }
    t.equal((await balance(frank, frank.id, '')).json().paidCents, 1300, 'nothing was recorded')
  })
})
