import t, { type Test } from 'tap'
import { addBook as addBookCommand } from '../../src/commands/books.js'
import { recordPayment } from '../../src/commands/payments.js'
import { returnBook } from '../../src/commands/rentals.js'
import { comparePositions, encodePosition } from '../../src/eventstore/position.js'
import { commandDeps } from '../../src/service.js'
import { DAY, forEachApp } from '../helpers/app.js'

const PASSWORD = 'correct horse battery' // what ctx.user registers with
const PROBLEM = 'application/problem+json; charset=utf-8'
const UNKNOWN = '00000000-0000-4000-8000-000000000000'
const jwt = (token: string) => ({ authorization: `JWT ${token}` })
const subOf = (token: string): string =>
  JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')).sub

forEachApp(t, async (t, { app, user, clock, config, database }) => {
  const staff = await user('staff')
  const alice = await user('user')
  const bob = await user('user')
  const commands = commandDeps(config, database, clock.read)

  const post = (url: string, payload: object, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url, payload, headers })
  const addBook = async (t: Test, title: string, type: string, copies = 1) => {
    const book = { title, author: 'Someone', description: `About ${title}`, type, copies }
    const res = await post('/api/books', book, staff.auth)
    t.equal(res.statusCode, 201, `added ${title}`)
    return res.json() as { id: string; position: string }
  }
  const login = (payload: object) => post('/api-token-auth/', payload)
  const rent = (version: string, book: string, headers: Record<string, string>) =>
    post(`/api/${version}/book_rentals/create`, { book }, headers)
  const balance = (
    version: string,
    id: string,
    headers: Record<string, string>,
    minPosition: string,
  ) =>
    app.inject({
      url: `/api/${version}/book_rentals/users/balance/${id}?minPosition=${minPosition}`,
      headers,
    })

  const dune = await addBook(t, 'Dune', 'fiction', 3)
  const middlemarch = await addBook(t, 'Middlemarch', 'regular', 5)
  const beloved = await addBook(t, 'Beloved', 'novel', 1)
  const ready = beloved.position // every account above is in the read models at this position

  await t.test('POST /api-token-auth/ signs in; the token works as JWT <token>', async (t) => {
    const res = await login({ username: alice.username, password: PASSWORD })
    t.equal(res.statusCode, 200)
    const { token } = res.json()
    t.equal(subOf(token), alice.id, 'a token for that account')
    const own = await balance('v1', alice.id, jwt(token), ready)
    t.equal(own.statusCode, 200)
    t.same(own.json(), [{ user_id: alice.id, balance: '0.00' }])

    const wrong = await login({ username: alice.username, password: 'not the password' })
    const unknown = await login({ username: 'nobody-at-all', password: PASSWORD })
    t.equal(wrong.statusCode, 401, 'wrong password is a 401, not the old 400')
    t.equal(wrong.headers['content-type'], PROBLEM)
    t.equal(unknown.statusCode, 401)
    t.same(unknown.json(), wrong.json(), 'the same body for an unknown user and a wrong password')

    const missing = await login({ username: alice.username })
    t.equal(missing.statusCode, 400)
    t.match(missing.json().errors, [{ path: 'body/password' }])
  })

  await t.test('POST /api/rest-auth/registration/ registers and signs in', async (t) => {
    const form = {
      username: 'old.client',
      email: 'old.client@example.com',
      password1: 'spice must flow',
      password2: 'spice must flows',
    }
    const register = (payload: object) => post('/api/rest-auth/registration/', payload)
    const mismatch = await register(form)
    t.equal(mismatch.statusCode, 400)
    t.equal(mismatch.headers['content-type'], PROBLEM)
    t.match(mismatch.json(), {
      code: 'VALIDATION_FAILED',
      errors: [{ path: 'body/password2', message: String }],
    })
    t.equal(mismatch.json().errors.length, 1)

    const matching = { ...form, password2: form.password1 }
    for (const bad of [
      { ...matching, password1: 'short', password2: 'short' },
      { ...matching, email: 'not-an-email' },
      { ...matching, username: 'no spaces' },
    ]) {
      const res = await register(bad)
      t.equal(res.statusCode, 400, JSON.stringify(bad))
    }

    const res = await register(matching)
    t.equal(res.statusCode, 201, 'the refused attempts created nothing')
    t.same(Object.keys(res.json()), ['token'])
    const { token } = res.json()
    const rented = await rent('v3', middlemarch.id, jwt(token))
    t.equal(rented.statusCode, 201, 'the token signs the new user in')
    t.equal(rented.json().user, subOf(token))
    const owed = await balance('v3', subOf(token), jwt(token), rented.json().position)
    t.same(owed.json(), [{ user_id: subOf(token), balance: '2.00' }], 'a v3 regular day')

    const again = await register({ ...matching, username: 'OLD.CLIENT', email: 'o@example.com' })
    t.equal(again.statusCode, 409)
    t.equal(again.json().code, 'USERNAME_TAKEN')
    const email = await register({ ...matching, username: 'another.client' })
    t.equal(email.statusCode, 409)
    t.equal(email.json().code, 'EMAIL_TAKEN')
  })

  await t.test('GET /api/:version/books/ lists every book in the old shape', async (t) => {
    const res = await app.inject({ url: `/api/v2/books/?minPosition=${ready}` })
    t.equal(res.statusCode, 200)
    t.ok(res.headers['x-ledger-position'], 'tells the read model position')
    t.same(
      res.json().find((b: { id: string }) => b.id === dune.id),
      { id: dune.id, name: 'Dune', description: 'About Dune', author: 'Someone', book_type: 2 },
    )
    const typeOf = (id: string) => res.json().find((b: { id: string }) => b.id === id)?.book_type
    t.equal(typeOf(middlemarch.id), 1, 'regular is 1')
    t.equal(typeOf(beloved.id), 3, 'novel is 3')

    // More books than one page of the read model's query: none may be dropped.
    // Straight through the command handler, concurrently: only the listing is under test here.
    const added = await Promise.all(
      Array.from({ length: 101 }, (_, i) =>
        addBookCommand(
          commands,
          {
            title: `Volume ${i}`,
            author: 'Someone',
            description: 'A book.',
            type: 'regular',
            copies: 1,
          },
          {},
        ),
      ),
    )
    const last = encodePosition(
      added.map((a) => a.position).reduce((a, b) => (comparePositions(a, b) >= 0 ? a : b)),
    )
    const all = await app.inject({ url: `/api/v1/books/?minPosition=${last}` })
    const ids = all.json().map((b: { id: string }) => b.id)
    t.equal(ids.length, 104)
    t.equal(new Set(ids).size, 104, 'no book twice')
  })

  await t.test('a rental is recorded under the plan of its path', async (t) => {
    const start = clock.now.toISOString()
    const v1 = await rent('v1', dune.id, alice.auth)
    t.equal(v1.statusCode, 201)
    t.match(v1.json(), {
      ref: String,
      user: alice.id,
      book: dune.id,
      date_rented: start,
      status: 2,
      position: /^[0-9a-f]{32}$/,
    })
    const v2 = await rent('v2', dune.id, bob.auth)
    t.equal(v2.statusCode, 201)
    clock.advance(3 * DAY)
    const at = v2.json().position
    t.same((await balance('v1', alice.id, alice.auth, at)).json(), [
      { user_id: alice.id, balance: '3.00' },
    ])
    t.same((await balance('v1', bob.id, bob.auth, at)).json(), [
      { user_id: bob.id, balance: '9.00' },
    ])

    const listed = await app.inject({
      url: `/api/v3/book_rentals/?minPosition=${at}`,
      headers: staff.auth,
    })
    t.equal(listed.statusCode, 200)
    const find = (res: typeof listed, ref: string) =>
      res.json().find((r: { ref: string }) => r.ref === ref)
    const { position: _, ...asCreated } = v1.json()
    t.same(find(listed, v1.json().ref), asCreated, 'listed as created')
    t.equal(find(listed, v2.json().ref).status, 2, 'not returned')

    await returnBook(
      commands,
      { rentalId: v1.json().ref, actor: { userId: alice.id, role: 'user' } },
      {},
    )
    const paid = await recordPayment(
      commands,
      { userId: bob.id, amountCents: 150, reference: null, recordedBy: staff.id },
      {},
    )
    const after = encodePosition(paid.position)
    const relisted = await app.inject({
      url: `/api/v3/book_rentals/?minPosition=${after}`,
      headers: staff.auth,
    })
    t.equal(relisted.statusCode, 200, relisted.body.slice(0, 300))
    t.equal(find(relisted, v1.json().ref).status, 1, 'returned')
    t.same(
      (await balance('v2', alice.id, alice.auth, after)).json(),
      [{ user_id: alice.id, balance: '3.00' }],
      'the final charge of a returned rental',
    )
    t.same(
      (await balance('v2', bob.id, staff.auth, after)).json(),
      [{ user_id: bob.id, balance: '7.50' }],
      'payments count, to the cent; staff may read anyone',
    )
  })

  await t.test('creating a rental: unknown book, no copy, idempotency', async (t) => {
    const unknown = await rent('v1', UNKNOWN, alice.auth)
    t.equal(unknown.statusCode, 404)
    t.equal(unknown.json().code, 'BOOK_NOT_FOUND')
    t.equal((await rent('v3', beloved.id, alice.auth)).statusCode, 201)
    const none = await rent('v3', beloved.id, bob.auth)
    t.equal(none.statusCode, 409)
    t.equal(none.json().code, 'NO_COPY_AVAILABLE')
    t.equal((await rent('v3', 'not-a-uuid', bob.auth)).statusCode, 400)

    const keyed = { ...bob.auth, 'idempotency-key': 'seed-rent-1' }
    const first = await rent('v2', middlemarch.id, keyed)
    const second = await rent('v2', middlemarch.id, keyed)
    t.equal(first.statusCode, 201)
    t.equal(second.statusCode, 201)
    t.same(second.json(), first.json(), 'the first response again')
    t.equal(second.headers['idempotent-replayed'], 'true')
    const otherPlan = await rent('v1', middlemarch.id, keyed)
    t.equal(otherPlan.statusCode, 422, 'same key, another path')
  })

  await t.test("the old service's holes stay closed", async (t) => {
    const anonymous = await rent('v1', middlemarch.id, {})
    t.equal(anonymous.statusCode, 401, 'renting needs a token')
    t.equal(anonymous.headers['content-type'], PROBLEM)
    const asUser = await app.inject({ url: '/api/v1/book_rentals/', headers: alice.auth })
    t.equal(asUser.statusCode, 403, 'listing all rentals is staff-only')
    t.equal((await app.inject({ url: '/api/v1/book_rentals/' })).statusCode, 401)
    const others = await balance('v1', bob.id, alice.auth, ready)
    t.equal(others.statusCode, 403, "one user cannot read another's balance")
    t.equal(others.headers['content-type'], PROBLEM)
    const nobody = await balance('v1', UNKNOWN, staff.auth, ready)
    t.equal(nobody.statusCode, 404, 'unknown user')
  })

  await t.test('a version other than v1, v2, v3 is a 400 problem', async (t) => {
    const answers = {
      'GET /api/v4/books/': await app.inject({ url: '/api/v4/books/' }),
      'GET /api/V1/book_rentals/': await app.inject({
        url: '/api/V1/book_rentals/',
        headers: staff.auth,
      }),
      'POST /api/v0/book_rentals/create': await rent('v0', middlemarch.id, alice.auth),
      'GET /api/latest/book_rentals/users/balance/:id': await balance(
        'latest',
        alice.id,
        alice.auth,
        ready,
      ),
    }
    for (const [what, res] of Object.entries(answers)) {
      t.equal(res.statusCode, 400, what)
      t.equal(res.headers['content-type'], PROBLEM, what)
    }
  })

  await t.test('the routes are documented under seed-compatible', async (t) => {
    const doc = (await app.inject({ url: '/docs/json' })).json()
    t.same(doc.paths['/api-token-auth/'].post.tags, ['seed-compatible'])
    t.same(doc.paths['/api/{version}/book_rentals/create'].post.tags, ['seed-compatible'])
  })

  await t.test('sign-in attempts are rate limited', async (t) => {
    let status = 0
    for (let i = 0; i <= config.LOGIN_MAX_PER_MINUTE && status !== 429; i++) {
      const res = await login({ username: bob.username, password: 'guess' })
      status = res.statusCode
      if (status === 429) t.equal(res.json().code, 'RATE_LIMITED')
    }
    t.equal(status, 429)
  })
})
