// Rentals on the old service's /api/<version>/book_rentals/ paths: create with `user`, read by ref
// and by user, return with `{status: 1}`, delete (a void by staff), and reading one's own writes.
import { sql } from 'kysely'
import t from 'tap'
import { DAY, forEachApp } from '../helpers/app.js'
import { appendsNothing, oldError, PROBLEM, sender, UNKNOWN } from '../helpers/seed.js'

type SeedRental = { ref: string; user: string; book: string; status: number }

forEachApp(
  t,
  async (t, { app, user, addBook, clock, database }) => {
    const staff = await user('staff')
    const alice = await user('user')
    const bob = await user('user')
    const book = await addBook(staff, { title: 'Borrowed', copies: 50 })
    const send = sender({ app })
    const rent = async (headers: Record<string, string>, body: object = { book: book.id }) => {
      const res = await send('POST', '/api/v2/book_rentals/create', headers, body)
      if (res.statusCode !== 201) throw new Error(`renting: ${res.statusCode} ${res.body}`)
      return res.json() as SeedRental & { position: string }
    }

    await t.test('create takes `user`: your own id, or anyone’s for staff', async (t) => {
      const own = await rent(alice.auth, { book: book.id, user: alice.id })
      t.match(own, { user: alice.id, book: book.id, status: 2, date_returned: null })
      const desk = await rent(staff.auth, { book: book.id, user: bob.id })
      t.equal(desk.user, bob.id, 'staff rent for a user at the desk')
      // Staff's command, not bob's: bob waits for it with its position.
      const listed = await send(
        'GET',
        `/api/v1/book_rentals/users/${bob.id}?minPosition=${desk.position}`,
        bob.auth,
      )
      t.ok(
        listed.json().some((r: SeedRental) => r.ref === desk.ref),
        'the user sees it',
      )
      await appendsNothing(t, database, async () => {
        const other = await send('POST', '/api/v1/book_rentals/create', alice.auth, {
          book: book.id,
          user: bob.id,
        })
        t.equal(other.statusCode, 403, "a user cannot rent on another's account")
        t.equal(other.headers['content-type'], PROBLEM)
        const old = await send('POST', '/api/v1/book_rentals/create', alice.auth, {
          book: book.id,
          user: 3,
        })
        t.equal(old.statusCode, 403, 'an old integer id is not yours either')
        const nobody = await send('POST', '/api/v1/book_rentals/create', staff.auth, {
          book: book.id,
          user: UNKNOWN,
        })
        t.equal(nobody.statusCode, 404, 'staff: no such user')
        oldError(t, await send('POST', '/api/v1/book_rentals/create', alice.auth, {}), 400, {
          book: ['This field is required.'],
        })
      })
    })

    await t.test('a rental is read by ref, by its renter or staff', async (t) => {
      const rental = await rent(alice.auth)
      const mine = await send('GET', `/api/v3/book_rentals/${rental.ref}`, alice.auth)
      t.equal(mine.statusCode, 200)
      const { position: _, ...shown } = rental
      t.same(mine.json(), [shown], 'a one-element list, as created')
      t.equal(
        (await send('GET', `/api/v3/book_rentals/${rental.ref}/`, staff.auth)).statusCode,
        200,
      )
      t.equal((await send('GET', `/api/v3/book_rentals/${rental.ref}`, bob.auth)).statusCode, 403)
      t.equal((await send('GET', `/api/v3/book_rentals/${rental.ref}`)).statusCode, 401)
      for (const ref of [UNKNOWN, '41', 'create']) {
        t.equal((await send('GET', `/api/v1/book_rentals/${ref}`, staff.auth)).statusCode, 404, ref)
      }
    })

    await t.test("a user's rentals: that user or staff", async (t) => {
      const url = `/api/v1/book_rentals/users/${alice.id}`
      const own = await send('GET', url, alice.auth)
      t.equal(own.statusCode, 200)
      t.ok(own.json().length >= 2)
      t.ok(
        own.json().every((r: SeedRental) => r.user === alice.id),
        'only hers',
      )
      t.same((await send('GET', `${url}/`, staff.auth)).json(), own.json(), 'staff see the same')
      t.equal((await send('GET', url, bob.auth)).statusCode, 403)
      t.equal((await send('GET', url)).statusCode, 401)
      t.same((await send('GET', `/api/v1/book_rentals/users/${UNKNOWN}`, staff.auth)).json(), [])
    })

    await t.test('PUT and PATCH with {status: 1} return the book', async (t) => {
      for (const method of ['PUT', 'PATCH'] as const) {
        const rental = await rent(alice.auth)
        clock.advance(DAY + 1000)
        const url = `/api/v2/book_rentals/${rental.ref}/update`
        await appendsNothing(t, database, async () => {
          t.equal((await send(method, url, bob.auth, { status: 1 })).statusCode, 403)
          t.equal((await send(method, url, {}, { status: 1 })).statusCode, 401)
          oldError(t, await send(method, url, alice.auth, { status: 2 }), 400, {
            non_field_errors: ['status: This is not a valid choice.'],
          })
          oldError(
            t,
            await send(method, url, alice.auth, { status: 1, date_returned: null }),
            400,
            {
              date_returned: ['This field is not accepted here.'],
            },
          )
          oldError(t, await send(method, url, alice.auth, {}), 400, {
            non_field_errors: ['status: This field is required.'],
          })
        })
        const res = await send(method, url, alice.auth, { status: 1 })
        t.equal(res.statusCode, 200, method)
        t.match(res.json(), {
          ref: rental.ref,
          status: 1,
          date_returned: clock.now.toISOString(),
          position: String,
        })
        const again = await send(method, `${url}/`, staff.auth, { status: 1 })
        t.equal(again.statusCode, 409, 'already returned')
        t.same(again.json().non_field_errors, [again.json().detail])
        const read = await send('GET', `/api/v2/book_rentals/${rental.ref}`, alice.auth)
        t.match(read.json(), [{ status: 1, date_returned: clock.now.toISOString() }])
      }
      const byStaff = await rent(bob.auth)
      const res = await send('PATCH', `/api/v1/book_rentals/${byStaff.ref}/update`, staff.auth, {
        status: 1,
      })
      t.equal(res.statusCode, 200, 'staff return for anyone')
    })

    await t.test('DELETE voids a rental (staff): nothing leaves the log', async (t) => {
      const lone = await addBook(staff, { title: 'Only copy', copies: 1 })
      const rental = await rent(bob.auth, { book: lone.id })
      clock.advance(2 * DAY)
      // Each read by the caller whose command it follows: the renter's rental, staff's void.
      const owedCents = async (headers: Record<string, string>) => {
        const url = `/api/v3/book_rentals/users/balance/${bob.id}`
        const [{ balance }] = (await send('GET', url, headers)).json()
        return Number(balance.replace('.', ''))
      }
      const before = await owedCents(bob.auth)
      const url = `/api/v1/book_rentals/${rental.ref}/delete`
      await appendsNothing(t, database, async () => {
        t.equal((await send('DELETE', url, bob.auth)).statusCode, 403, 'not by the renter')
        t.equal((await send('DELETE', url)).statusCode, 401)
        t.equal(
          (await send('DELETE', `/api/v1/book_rentals/${UNKNOWN}/delete`, staff.auth)).statusCode,
          404,
        )
      })
      const res = await send('DELETE', url, staff.auth)
      t.equal(res.statusCode, 204)
      t.equal(res.body, '')
      t.equal((await send('GET', `/api/v1/book_rentals/${rental.ref}`, staff.auth)).statusCode, 404)
      t.equal(
        before - (await owedCents(staff.auth)),
        300,
        'its charge (two days of v2 regular) no longer counts',
      )
      const again = await rent(alice.auth, { book: lone.id })
      t.equal(again.book, lone.id, 'the copy is back on the shelf')
      const voidedTwice = await send('DELETE', `${url}/`, staff.auth)
      t.equal(voidedTwice.statusCode, 409)
      t.equal(voidedTwice.json().code, 'RENTAL_VOIDED')
      const { rows } = await sql<{ type: string }>`
        SELECT type FROM events WHERE data->>'rentalId' = ${rental.ref}
        ORDER BY global_position`.execute(database.db)
      t.same(
        rows.map((r) => r.type).sort(),
        ['BookRentalVoided', 'BookRented', 'RentalOpened', 'RentalVoided'],
        'the rental stays in the log, voided by compensating events',
      )
    })

    await t.test('a caller reads their own writes at once, without minPosition', async (t) => {
      for (let i = 0; i < 10; i++) {
        const rental = await rent(alice.auth)
        const one = await send('GET', `/api/v3/book_rentals/${rental.ref}`, alice.auth)
        t.equal(one.statusCode, 200, `read ${i}`)
        const mine = await send('GET', `/api/v3/book_rentals/users/${alice.id}`, alice.auth)
        t.ok(
          mine.json().some((r: SeedRental) => r.ref === rental.ref),
          `listed ${i}`,
        )
        const all = await send('GET', '/api/v3/book_rentals/', staff.auth)
        t.equal(all.statusCode, 200)
        const returned = await send(
          'PUT',
          `/api/v1/book_rentals/${rental.ref}/update`,
          alice.auth,
          {
            status: 1,
          },
        )
        t.equal(returned.statusCode, 200)
        const after = await send('GET', `/api/v3/book_rentals/${rental.ref}`, alice.auth)
        t.equal(after.json()[0].status, 1, `returned ${i}`)
      }
    })
  },
  // Every subtest rents; several stay open and run up charges as the clock moves on.
  { MAX_OPEN_RENTALS: '100', MAX_OWED_CENTS: '10000000' },
)
