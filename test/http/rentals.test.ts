import t from 'tap'
import { DAY, forEachApp, HOUR, type TestUser } from '../helpers/app.js'

const UNKNOWN = '00000000-0000-4000-8000-000000000000'

forEachApp(t, async (t, { app, user, clock }) => {
  const staff = await user('staff')
  const alice = await user()
  const bob = await user()

  const addBook = async (title: string, type: string, copies: number) => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/books',
      headers: staff.auth,
      payload: { title, author: 'Rentals Test', description: 'A book.', type, copies },
    })
    t.equal(res.statusCode, 201, `staff add ${title}`)
    return res.json() as { id: string; position: string }
  }
  const post = (who: TestUser, url: string, payload?: object) =>
    app.inject({ method: 'POST', url, headers: who.auth, payload })
  const rent = (who: TestUser, bookId: string) => post(who, '/api/rentals', { bookId })
  const giveBack = (who: TestUser, rentalId: string) => post(who, `/api/rentals/${rentalId}/return`)
  const get = (who: TestUser | undefined, url: string) =>
    app.inject({ url, ...(who && { headers: who.auth }) })
  const ids = (res: { json(): { items: { id: string }[] } }) => res.json().items.map((r) => r.id)

  const dune = await addBook('Dune', 'fiction', 1)
  const emma = await addBook('Emma', 'regular', 20)

  let aliceRental = { id: '', rentedAt: '', position: '' }
  let bobRental = { id: '', position: '' }

  await t.test(
    'a user rents a book under the deployment plan, charged the first day',
    async (t) => {
      const res = await rent(alice, dune.id)
      t.equal(res.statusCode, 201)
      aliceRental = res.json()
      t.match(aliceRental, {
        id: String,
        bookId: dune.id,
        userId: alice.id,
        plan: 'v3',
        rentedAt: clock.now.toISOString(),
        returnedAt: null,
        chargeCents: 300,
        position: /^[0-9a-f]{32}$/,
      })
      const got = await get(
        alice,
        `/api/rentals/${aliceRental.id}?minPosition=${aliceRental.position}`,
      )
      t.equal(got.statusCode, 200)
      const { position: _p, ...rental } = aliceRental
      t.same(got.json(), rental, 'the read model holds the same rental')
      const book = await get(undefined, `/api/books/${dune.id}?minPosition=${aliceRental.position}`)
      t.equal(book.json().available, 0, 'the only copy is out')
    },
  )

  await t.test('refused rentals: no copy, no book, bad body, no token', async (t) => {
    const none = await rent(bob, dune.id)
    t.equal(none.statusCode, 409)
    t.equal(none.json().code, 'NO_COPY_AVAILABLE')
    const missing = await rent(bob, UNKNOWN)
    t.equal(missing.statusCode, 404)
    t.equal(missing.json().code, 'BOOK_NOT_FOUND')
    for (const payload of [{}, { bookId: 'nope' }, { bookId: emma.id, userId: 'nope' }]) {
      const bad = await post(bob, '/api/rentals', payload)
      t.equal(bad.json().code, 'VALIDATION_FAILED')
      t.equal(bad.statusCode, 400, JSON.stringify(payload))
    }
    const anon = await app.inject({
      method: 'POST',
      url: '/api/rentals',
      payload: { bookId: emma.id },
    })
    t.equal(anon.statusCode, 401)
  })

  await t.test('staff rent for themselves', async (t) => {
    const res = await rent(staff, emma.id)
    t.equal(res.statusCode, 201)
    t.equal(res.json().userId, staff.id)
    bobRental = (await rent(bob, emma.id)).json()
    t.equal(typeof bobRental.id, 'string', 'bob rents too')
  })

  await t.test('an open rental costs what it would if returned now', async (t) => {
    clock.advance(2 * DAY + HOUR)
    const got = await get(alice, `/api/rentals/${aliceRental.id}`)
    t.equal(got.json().chargeCents, 900, 'fiction under v3: 3 started days at 300')
    t.equal(got.json().returnedAt, null)
  })

  await t.test('returns: the renter or staff, once', async (t) => {
    const other = await giveBack(bob, aliceRental.id)
    t.equal(other.statusCode, 403)
    t.equal(other.json().code, 'NOT_RENTER')
    const res = await giveBack(alice, aliceRental.id)
    t.equal(res.statusCode, 200)
    const returned = res.json()
    t.match(returned, {
      id: aliceRental.id,
      userId: alice.id,
      rentedAt: aliceRental.rentedAt,
      returnedAt: clock.now.toISOString(),
      chargeCents: 900,
      position: /^[0-9a-f]{32}$/,
    })
    const again = await giveBack(alice, aliceRental.id)
    t.equal(again.statusCode, 409)
    t.equal(again.json().code, 'RENTAL_ALREADY_RETURNED')
    const missing = await giveBack(alice, UNKNOWN)
    t.equal(missing.statusCode, 404)
    const byStaff = await giveBack(staff, bobRental.id)
    t.equal(byStaff.statusCode, 200, 'staff return anyone’s rental')
    t.equal(byStaff.json().userId, bob.id)
    clock.advance(DAY)
    const later = await get(
      alice,
      `/api/rentals/${aliceRental.id}?minPosition=${returned.position}`,
    )
    t.equal(later.json().chargeCents, 900, 'the final charge no longer grows')
    t.equal(later.json().returnedAt, returned.returnedAt)
    const book = await get(undefined, `/api/books/${dune.id}?minPosition=${returned.position}`)
    t.equal(book.json().available, 1, 'the copy is back')
  })

  await t.test('a user sees only their own rentals; staff see all', async (t) => {
    const position = (await rent(alice, emma.id)).json().position
    const own = await get(alice, `/api/rentals?minPosition=${position}`)
    t.equal(own.statusCode, 200)
    t.equal(own.json().items.length, 2, 'both of alice’s rentals')
    t.ok(
      own.json().items.every((r: { userId: string }) => r.userId === alice.id),
      'and nobody else’s',
    )
    t.same(ids(await get(alice, `/api/rentals?userId=${alice.id}`)), ids(own))
    const others = await get(alice, `/api/rentals?userId=${bob.id}`)
    t.equal(others.statusCode, 403)
    const all = await get(staff, '/api/rentals')
    const users = new Set(all.json().items.map((r: { userId: string }) => r.userId))
    t.same([...users].sort(), [alice.id, bob.id, staff.id].sort(), 'staff see every renter')
    t.same(ids(await get(staff, `/api/rentals?userId=${bob.id}`)), [bobRental.id])
    t.equal((await get(bob, `/api/rentals/${aliceRental.id}`)).statusCode, 403)
    t.equal((await get(staff, `/api/rentals/${aliceRental.id}`)).statusCode, 200)
    const missing = await get(alice, `/api/rentals/${UNKNOWN}`)
    t.equal(missing.statusCode, 404)
    t.equal(missing.json().code, 'RENTAL_NOT_FOUND')
    t.equal((await get(undefined, '/api/rentals')).statusCode, 401)
  })

  await t.test('filters by book, alone and with user and status', async (t) => {
    const list = (who: TestUser, q: string) => get(who, `/api/rentals?${q}`)
    t.same(ids(await list(staff, `bookId=${dune.id}`)), [aliceRental.id], 'dune: alice’s only')
    const ofEmma = (await list(staff, `bookId=${emma.id}`)).json().items as {
      bookId: string
      userId: string
    }[]
    t.ok(
      ofEmma.every((r) => r.bookId === emma.id),
      'every rental listed is of that book',
    )
    t.same(
      ofEmma.map((r) => r.userId).sort(),
      [alice.id, bob.id, staff.id].sort(),
      'and every rental of it is listed',
    )
    t.same(ids(await list(staff, `bookId=${emma.id}&userId=${bob.id}`)), [bobRental.id])
    t.same(ids(await list(staff, `bookId=${emma.id}&status=returned`)), [bobRental.id])
    const own = (await list(alice, `bookId=${emma.id}`)).json().items
    t.same(
      own.map((r: { userId: string }) => r.userId),
      [alice.id],
      'a user asking by book sees only their own rentals of it',
    )
    t.same(ids(await list(staff, `bookId=${UNKNOWN}`)), [], 'no rental of an unknown book')
    const bad = await list(staff, 'bookId=nope')
    t.equal(bad.statusCode, 400)
    t.equal(bad.json().code, 'VALIDATION_FAILED')
  })

  await t.test('filters by status, pages newest first', async (t) => {
    const carol = await user()
    const made: string[] = []
    for (const step of [0, HOUR, 0, HOUR]) {
      clock.advance(step)
      made.push((await rent(carol, emma.id)).json().id)
    }
    const back = (await giveBack(carol, made[0]!)).json()
    const url = (q: string) => `/api/rentals?userId=${carol.id}&minPosition=${back.position}&${q}`
    const open = await get(carol, url('status=open'))
    t.same(ids(open).sort(), made.slice(1).sort(), 'open: the three not returned')
    t.same(ids(await get(carol, url('status=returned'))), [made[0]])
    // The page ends between two rentals of the same instant: the id breaks the tie, so pages
    // neither skip nor repeat one.
    const first = await get(carol, url('limit=2'))
    t.equal(first.json().items.length, 2)
    t.type(first.json().nextCursor, 'string')
    const second = await get(carol, url(`limit=2&cursor=${first.json().nextCursor}`))
    t.equal(second.json().nextCursor, null)
    const paged = [...ids(first), ...ids(second)]
    t.same([...paged].sort(), [...made].sort(), 'every rental once')
    const times = [...first.json().items, ...second.json().items].map(
      (r: { rentedAt: string }) => r.rentedAt,
    )
    t.same(times, [...times].sort().reverse(), 'newest first')
    for (const cursor of ['garbage', Buffer.from('["x","y"]').toString('base64url')]) {
      const bad = await get(carol, url(`cursor=${cursor}`))
      t.equal(bad.statusCode, 400, `cursor ${cursor}`)
    }
    t.equal((await get(carol, url('status=lost'))).statusCode, 400)
  })

  await t.test('a sixth open rental is refused', async (t) => {
    const dave = await user()
    let first = ''
    for (let i = 0; i < 5; i++) {
      const res = await rent(dave, emma.id)
      t.equal(res.statusCode, 201, `rental ${i + 1}`)
      first ||= res.json().id
    }
    const sixth = await rent(dave, emma.id)
    t.equal(sixth.statusCode, 409)
    t.equal(sixth.json().code, 'OPEN_RENTAL_LIMIT')
    t.equal((await giveBack(dave, first)).statusCode, 200)
    t.equal((await rent(dave, emma.id)).statusCode, 201, 'after a return there is room again')
  })

  await t.test('owing 5000 cents or more stops renting until a payment', async (t) => {
    const erin = await user()
    const fiction = await addBook('Neuromancer', 'fiction', 5)
    for (let i = 0; i < 2; i++) t.equal((await rent(erin, fiction.id)).statusCode, 201)
    clock.advance(8 * DAY + HOUR) // 9 started days at 300, twice: 5400 accruing
    const refused = await rent(erin, fiction.id)
    t.equal(refused.statusCode, 409)
    t.equal(refused.json().code, 'BALANCE_LIMIT')
    const paid = await post(staff, '/api/payments', { userId: erin.id, amountCents: 500 })
    t.equal(paid.statusCode, 201)
    t.equal((await rent(erin, fiction.id)).statusCode, 201, 'owing 4900 is under the limit')
  })
})
