import { sql } from 'kysely'
import t from 'tap'
import { DAY, forEachApp } from '../helpers/app.js'
import { b64, signJwt as jwt } from '../helpers/tokens.js'

const PROBLEM = 'application/problem+json; charset=utf-8'

forEachApp(
  t,
  async (t, { app, config, clock, database, user }) => {
    const register = (payload: object, headers: Record<string, string> = {}) =>
      app.inject({ method: 'POST', url: '/api/auth/register', payload, headers })
    // Each subtest signs in from its own address: the login rate limit is per client.
    const login = (username: string, password: string, remoteAddress: string) =>
      app.inject({
        method: 'POST',
        url: '/api/auth/token',
        payload: { username, password },
        remoteAddress,
      })
    const refresh = (refreshToken: string) =>
      app.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refreshToken } })
    const me = (authorization?: string) =>
      app.inject({ url: '/api/me', headers: authorization ? { authorization } : {} })
    const counts = async () =>
      (
        await sql<{ users: number; events: number }>`
          SELECT (SELECT count(*)::int FROM users) AS users,
                 (SELECT count(*)::int FROM events) AS events`.execute(database.db)
      ).rows[0]

    const ada = { username: 'ada', email: 'ada@example.com', password: 'analytical-engine' }
    let adaId = ''

    await t.test('register: 201 with the account and a position', async (t) => {
      const res = await register(ada)
      t.equal(res.statusCode, 201)
      const body = res.json()
      t.match(body, {
        id: String,
        username: 'ada',
        email: 'ada@example.com',
        role: 'user',
        position: /^[0-9a-f]{32}$/,
      })
      t.notOk('password' in body || 'passwordHash' in body, 'no password comes back')
      adaId = body.id
    })

    await t.test('register: bad input is a 400 and changes nothing', async (t) => {
      const before = await counts()
      for (const payload of [
        { ...ada, username: 'ada2', email: 'a2@example.com', password: 'short' },
        { ...ada, username: 'ada2', email: 'not-an-email' },
        { ...ada, username: 'ab', email: 'a2@example.com' },
        { ...ada, username: 'has space', email: 'a2@example.com' },
        { ...ada, username: 'ada2', email: 'a2@example.com', role: 'staff' },
        { username: 'ada2', email: 'a2@example.com' },
        { ...ada, username: 'ada2', email: 'a2@example.com', password: 'é'.repeat(40) },
      ]) {
        const res = await register(payload)
        t.equal(res.statusCode, 400, JSON.stringify(payload))
        t.equal(res.headers['content-type'], PROBLEM)
        t.equal(res.json().code, 'VALIDATION_FAILED')
        t.ok(res.json().errors?.length, 'names the field')
      }
      t.same(await counts(), before, 'no account and no event was added')
    })

    await t.test('register: a taken username or email is a 409, whatever the case', async (t) => {
      const name = await register({ ...ada, username: 'ADA', email: 'other@example.com' })
      t.equal(name.statusCode, 409)
      t.equal(name.json().code, 'USERNAME_TAKEN')
      const email = await register({ ...ada, username: 'ada-bis', email: 'Ada@Example.com' })
      t.equal(email.statusCode, 409)
      t.equal(email.json().code, 'EMAIL_TAKEN')
    })

    await t.test('register: an Idempotency-Key replays the first answer', async (t) => {
      const grace = { username: 'grace', email: 'grace@example.com', password: 'compiler-first' }
      const headers = { 'idempotency-key': 'register-grace-1' }
      const first = await register(grace, headers)
      t.equal(first.statusCode, 201)
      const before = await counts()
      const again = await register(grace, headers)
      t.equal(again.statusCode, 201)
      t.same(again.json(), first.json(), 'the same account, not a 409')
      t.equal(again.headers['idempotent-replayed'], 'true')
      t.same(await counts(), before, 'nothing appended')
      // An anonymous key is scoped by its request: another body is another claim, decided alone.
      const other = await register({ ...grace, password: 'compiler-second' }, headers)
      t.equal(other.statusCode, 409, 'the password is part of the request the key stands for')
      t.equal(other.json().code, 'USERNAME_TAKEN')
    })

    await t.test('token: a pair that works as Bearer and as JWT on /api/me', async (t) => {
      const res = await login('ada', ada.password, '192.0.2.1')
      t.equal(res.statusCode, 200)
      const pair = res.json()
      t.match(pair, {
        accessToken: /^[\w-]+\.[\w-]+\.[\w-]+$/,
        refreshToken: /^[\w-]{43}$/,
        tokenType: 'Bearer',
        expiresIn: config.ACCESS_TOKEN_TTL_SECONDS,
      })
      const account = {
        id: adaId,
        username: 'ada',
        email: 'ada@example.com',
        role: 'user',
        name: null,
        phone: null,
        address: null,
      }
      const claims = JSON.parse(
        Buffer.from(pair.accessToken.split('.')[1], 'base64url').toString('utf8'),
      )
      t.match(
        claims,
        { sub: adaId, role: 'user', username: 'ada', user_id: adaId, email: 'ada@example.com' },
        'the old service’s claims are in the token',
      )
      t.type(claims.exp, 'number', 'and it expires')
      for (const scheme of ['Bearer', 'JWT']) {
        const got = await me(`${scheme} ${pair.accessToken}`)
        t.equal(got.statusCode, 200, scheme)
        t.same(got.json(), account, scheme)
      }
      t.equal((await me()).statusCode, 401, 'no token')
      t.equal((await me('Bearer not.a.jwt')).statusCode, 401, 'garbage token')
    })

    await t.test('token: unknown user and wrong password answer alike', async (t) => {
      const unknown = await login('nobody', ada.password, '192.0.2.2')
      const wrong = await login('ada', 'not-her-password', '192.0.2.2')
      t.equal(unknown.statusCode, 401)
      t.equal(wrong.statusCode, 401)
      t.equal(wrong.headers['content-type'], PROBLEM)
      t.same(unknown.json(), wrong.json(), 'identical bodies')
    })

    const signIn = async (remoteAddress: string) => {
      const res = await login('ada', ada.password, remoteAddress)
      if (res.statusCode !== 200) throw new Error(`login failed: ${res.body}`)
      return res.json() as { accessToken: string; refreshToken: string }
    }

    await t.test('refresh: rotates; the old token stops working', async (t) => {
      const first = await signIn('192.0.2.3')
      const res = await refresh(first.refreshToken)
      t.equal(res.statusCode, 200)
      const second = res.json()
      t.match(second, { tokenType: 'Bearer', refreshToken: /^[\w-]{43}$/ })
      t.not(second.refreshToken, first.refreshToken)
      t.equal((await me(`Bearer ${second.accessToken}`)).statusCode, 200, 'new access token works')
      const third = await refresh(second.refreshToken)
      t.equal(third.statusCode, 200, 'the chain goes on')
      const stale = await refresh(first.refreshToken)
      t.equal(stale.statusCode, 401, 'a used token is refused')
      t.equal(stale.json().code, 'UNAUTHORIZED')
      t.equal((await refresh('never-issued')).statusCode, 401, 'an unknown token is refused')
    })

    await t.test('refresh: a reused token revokes its family, and only it', async (t) => {
      const stolen = await signIn('192.0.2.4')
      const elsewhere = await signIn('192.0.2.4')
      const newest = (await refresh(stolen.refreshToken)).json()
      t.equal((await refresh(stolen.refreshToken)).statusCode, 401, 'the reuse')
      t.equal((await refresh(newest.refreshToken)).statusCode, 401, 'the newest is revoked too')
      t.equal((await refresh(elsewhere.refreshToken)).statusCode, 200, 'another sign-in lives on')
    })

    await t.test('refresh: of two concurrent uses of one token, one succeeds', async (t) => {
      const { refreshToken } = await signIn('192.0.2.5')
      const results = await Promise.all([refresh(refreshToken), refresh(refreshToken)])
      t.same(results.map((r) => r.statusCode).sort(), [200, 401])
    })

    await t.test('refresh: an expired token is refused', async (t) => {
      const { refreshToken } = await signIn('192.0.2.6')
      clock.advance(config.REFRESH_TOKEN_TTL_SECONDS * 1000 + DAY)
      t.equal((await refresh(refreshToken)).statusCode, 401)
    })

    await t.test('forged access tokens are refused', async (t) => {
      const reader = await user('user')
      const now = Math.floor(Date.now() / 1000)
      const claims = { sub: reader.id, role: 'user', username: reader.username, iat: now }
      const good = jwt({ ...claims, exp: now + 600 }, config.JWT_SECRET!)
      t.equal((await me(`Bearer ${good}`)).statusCode, 200, 'control: a well-made token passes')

      const none = `${b64({ alg: 'none', typ: 'JWT' })}.${good.split('.')[1]}.`
      const otherKey = jwt({ ...claims, exp: now + 600 }, 'another-secret-that-is-long-enough-too')
      const expired = jwt({ ...claims, iat: now - 7200, exp: now - 3600 }, config.JWT_SECRET!)
      const [header, payload, signature] = reader.token.split('.') as [string, string, string]
      const signed = JSON.parse(Buffer.from(payload, 'base64url').toString())
      t.equal(signed.role, 'user', 'the token being edited is a user token')
      const promoted = `${header}.${b64({ ...signed, role: 'staff' })}.${signature}`
      // Well signed, but valid for ever: a leaked one would never stop working.
      const noExp = jwt({ ...claims, iat: now }, config.JWT_SECRET!)
      for (const [name, token] of Object.entries({ none, otherKey, expired, promoted, noExp })) {
        const res = await me(`Bearer ${token}`)
        t.equal(res.statusCode, 401, name)
        t.equal(res.json().code, 'UNAUTHORIZED', name)
      }
      const book = await app.inject({
        method: 'POST',
        url: '/api/books',
        headers: { authorization: `Bearer ${promoted}` },
        payload: { title: 'Forged', author: 'Mallory', description: 'A book.', type: 'regular' },
      })
      t.equal(book.statusCode, 401, 'the edited role reaches no staff route')
    })

    await t.test('logins are rate limited per client', async (t) => {
      const attacker = '198.51.100.7'
      // Each guess at another username: the per-username delay is not what is tested here.
      for (let i = 0; i < Number(config.LOGIN_MAX_PER_MINUTE); i++) {
        t.equal((await login(`nobody-${i}`, `guess-${i}`, attacker)).statusCode, 401, `guess ${i}`)
      }
      const limited = await login('ada', ada.password, attacker)
      t.equal(limited.statusCode, 429, 'even the right password waits')
      t.equal(limited.headers['content-type'], PROBLEM)
      t.equal(limited.json().code, 'RATE_LIMITED')
      t.ok(Number(limited.headers['retry-after']) > 0, 'with Retry-After')
      t.equal((await login('ada', ada.password, '198.51.100.8')).statusCode, 200, 'others go on')
    })
  },
  { LOGIN_MAX_PER_MINUTE: '5' },
)
