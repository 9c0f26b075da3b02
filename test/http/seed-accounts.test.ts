// The old service's /api/v1/accounts/ routes: staff list and create accounts; a user reads and
// changes their own, staff anyone's; the old limits and the old error keys.
import t from 'tap'
import { forEachApp } from '../helpers/app.js'
import { appendsNothing, jwt, oldError, PROBLEM, sender, UNKNOWN } from '../helpers/seed.js'

forEachApp(t, async (t, { app, user, database }) => {
  const staff = await user('staff')
  const alice = await user('user')
  const bob = await user('user')
  const send = sender({ app })

  await t.test('staff create an account with its profile; it signs in', async (t) => {
    const account = {
      username: 'desk.made',
      email: 'desk.made@example.com',
      password: 'made at the desk',
      name: 'Desk Made',
      phone: '5550100',
      address: '1 Main St',
    }
    const res = await send('POST', '/api/v1/accounts/', staff.auth, account)
    t.equal(res.statusCode, 201)
    const { password: _, ...shown } = account
    t.match(res.json(), { ...shown, id: String, position: /^[0-9a-f]{32}$/ })
    t.notOk('role' in res.json(), 'the old shape has no role')
    const id = res.json().id
    const login = await send(
      'POST',
      '/api-token-auth/',
      {},
      {
        username: account.username,
        password: account.password,
      },
    )
    t.equal(login.statusCode, 200, 'the new account signs in')
    const own = await send('GET', `/api/v1/accounts/${id}`, jwt(login.json().token))
    t.same(own.json(), [{ id, ...shown }], 'and reads itself as a one-element list')

    const bare = await send('POST', '/api/v1/accounts', staff.auth, {
      username: 'bare.account',
      email: 'bare@example.com',
      password: 'long enough',
    })
    t.equal(bare.statusCode, 201, 'profile fields are optional (and the slash too)')
    t.match(bare.json(), { name: null, phone: null, address: null })
  })

  await t.test('creating refuses bad fields in the old words, and appends nothing', async (t) => {
    const good = {
      username: 'someone.new',
      email: 'someone.new@example.com',
      password: 'long enough',
    }
    const create = (body: object) => send('POST', '/api/v1/accounts/', staff.auth, body)
    await appendsNothing(t, database, async () => {
      oldError(t, await create({ ...good, name: 'N'.repeat(21) }), 400, {
        name: ['Ensure this field has no more than 20 characters.'],
      })
      oldError(t, await create({ ...good, address: 'A'.repeat(21) }), 400, {
        address: ['Ensure this field has no more than 20 characters.'],
      })
      oldError(t, await create({ ...good, phone: '55501000000' }), 400, {
        phone: ['Ensure this field has no more than 10 characters.'],
      })
      oldError(t, await create({ ...good, phone: 'call me' }), 400, {
        phone: ['Enter a valid value.'],
      })
      oldError(t, await create({ ...good, name: '   ' }), 400, {
        name: ['This field may not be blank.'],
      })
      oldError(t, await create({ ...good, password: 'short' }), 400, {
        password: ['This password is too short. It must contain at least 8 characters.'],
      })
      oldError(t, await create({ ...good, username: alice.username }), 400, {
        username: ['A user with that username already exists.'],
      })
      oldError(t, await create({ username: 'only.a.name' }), 400, {
        email: ['This field is required.'],
        password: ['This field is required.'],
      })
      const user = await send('POST', '/api/v1/accounts/', alice.auth, good)
      t.equal(user.statusCode, 403, 'a user may not create accounts')
      t.equal(user.headers['content-type'], PROBLEM)
      t.equal((await send('POST', '/api/v1/accounts/', {}, good)).statusCode, 401)
    })
  })

  await t.test('staff list every account in the old shape', async (t) => {
    const res = await send('GET', '/api/v1/accounts/', staff.auth)
    t.equal(res.statusCode, 200)
    const found = res.json().find((a: { id: string }) => a.id === alice.id)
    t.same(found, {
      id: alice.id,
      username: alice.username,
      email: `${alice.username}@example.com`,
      name: null,
      phone: null,
      address: null,
    })
    t.ok(
      res.json().some((a: { id: string }) => a.id === staff.id),
      'staff accounts too',
    )
    t.equal((await send('GET', '/api/v1/accounts', staff.auth)).statusCode, 200, 'no slash')
    t.equal((await send('GET', '/api/v1/accounts/', alice.auth)).statusCode, 403)
    t.equal((await send('GET', '/api/v1/accounts/', {})).statusCode, 401)
  })

  await t.test('an account is read by its user or staff', async (t) => {
    t.equal((await send('GET', `/api/v1/accounts/${alice.id}`, alice.auth)).statusCode, 200)
    t.equal((await send('GET', `/api/v1/accounts/${alice.id}/`, staff.auth)).statusCode, 200)
    const other = await send('GET', `/api/v1/accounts/${alice.id}`, bob.auth)
    t.equal(other.statusCode, 403, 'not by another user')
    t.equal(other.headers['content-type'], PROBLEM)
    t.equal((await send('GET', `/api/v1/accounts/${alice.id}`)).statusCode, 401)
    t.equal((await send('GET', `/api/v1/accounts/${UNKNOWN}`, staff.auth)).statusCode, 404)
    t.equal((await send('GET', '/api/v1/accounts/7', staff.auth)).statusCode, 404, 'old ids')
  })

  await t.test('PUT and PATCH change an account (its user or staff)', async (t) => {
    for (const method of ['PUT', 'PATCH'] as const) {
      const url = `/api/v1/accounts/${alice.id}/update`
      const own = await send(method, url, alice.auth, { name: `Alice ${method}`, phone: '555 01' })
      t.equal(own.statusCode, 200, method)
      t.match(own.json(), {
        id: alice.id,
        name: `Alice ${method}`,
        phone: '555 01',
        position: String,
      })
      const byStaff = await send(method, `${url}/`, staff.auth, { address: '2 Side St' })
      t.equal(byStaff.statusCode, 200, `${method} by staff, with a slash`)
      t.match(byStaff.json(), { name: `Alice ${method}`, address: '2 Side St' })
      const read = await send('GET', `/api/v1/accounts/${alice.id}`, alice.auth)
      t.match(read.json(), [{ name: `Alice ${method}`, address: '2 Side St' }], 'read back at once')
    }
    const url = `/api/v1/accounts/${alice.id}/update`
    const cleared = await send('PATCH', url, alice.auth, { phone: null })
    t.equal(cleared.json().phone, null, 'null clears a field')
    await appendsNothing(t, database, async () => {
      t.equal((await send('PATCH', url, bob.auth, { name: 'Mallory' })).statusCode, 403)
      t.equal((await send('PATCH', url, {}, { name: 'Mallory' })).statusCode, 401)
      oldError(
        t,
        await send('PATCH', url, alice.auth, { email: `${bob.username}@example.com` }),
        400,
        {
          email: ['A user is already registered with this e-mail address.'],
        },
      )
      oldError(t, await send('PUT', url, alice.auth, { name: '' }), 400, {
        name: ['This field may not be blank.'],
      })
      oldError(t, await send('PUT', url, alice.auth, { username: 'renamed' }), 400, {
        username: ['This field is not accepted here.'],
      })
      const unknown = await send('PATCH', `/api/v1/accounts/${UNKNOWN}/update`, staff.auth, {
        name: 'Nobody',
      })
      t.equal(unknown.statusCode, 404)
    })
  })
})
