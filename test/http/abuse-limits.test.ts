// Abuse limits (issue 11 §2): one login limiter for both login routes, a per-username delay that
// slows a guesser on many addresses without locking the real user out, one registration limiter
// for both registration routes, taken names refused before any bcrypt work, and anonymous
// Idempotency-Keys that a stranger cannot take.
import t from 'tap'
import { forEachApp, openTestDatabase, startTestApp } from '../helpers/app.js'
import { waitFor } from '../helpers/processes.js'

// Two backends and a service each: more than the default per-file timeout on a loaded machine.
t.setTimeout(900_000)

// Wrong credentials: 401 on the new route, the old service's 400 on its own path (API.md).
const LOGINS = [
  { url: '/api/auth/token', ok: 'accessToken', refused: 401 },
  { url: '/api-token-auth/', ok: 'token', refused: 400 },
] as const
const refusedOn = (i: number) => LOGINS[i % 2]!.refused

forEachApp(
  t,
  async (t, { app, user }) => {
    await user('user', 'ada')
    const login = (i: number, username: string, password: string, remoteAddress: string) =>
      app.inject({
        method: 'POST',
        url: LOGINS[i % 2]!.url,
        payload: { username, password },
        remoteAddress,
      })

    await t.test('both login routes share one count per client', async (t) => {
      const attacker = '198.51.100.1'
      for (let i = 0; i < 4; i++) {
        const res = await login(i, `nobody-${i}`, 'guess', attacker)
        t.equal(res.statusCode, refusedOn(i), `guess ${i} on ${LOGINS[i % 2]!.url}`)
      }
      for (const i of [0, 1]) {
        const res = await login(i, 'ada', 'correct horse battery', attacker)
        t.equal(res.statusCode, 429, `the fifth attempt, on ${LOGINS[i]!.url}, waits`)
        t.equal(res.json().code, 'RATE_LIMITED')
      }
    })

    await t.test('a username failing from many addresses is slowed, never locked', async (t) => {
      for (let i = 0; i < 4; i++) {
        const res = await login(i, 'ada', `guess-${i}`, `203.0.113.${i}`)
        t.equal(res.statusCode, refusedOn(i), `failure ${i + 1}, each from its own address`)
      }
      const slowed = await login(0, 'ADA', 'correct horse battery', '203.0.113.50')
      t.equal(slowed.statusCode, 429, 'the next attempt at the username waits, in any case')
      t.equal(slowed.json().code, 'RATE_LIMITED')
      const wait = Number(slowed.headers['retry-after'])
      t.ok(wait >= 1 && wait <= 60, `Retry-After ${wait} s, bounded`)
      const other = await login(1, 'nobody-else', 'guess', '203.0.113.50')
      t.equal(other.statusCode, refusedOn(1), 'other usernames are not slowed')
      // Attempts inside the wait are refused before bcrypt and do not lengthen it.
      // (Each poll from its own address: the per-client limit is not what is tested here.)
      let res = slowed
      let poll = 0
      await waitFor(
        'the real user signs in once the delay has passed',
        async () => {
          res = await login(1, 'ada', 'correct horse battery', `203.0.114.${++poll % 250}`)
          return res.statusCode !== 429
        },
        (wait + 5) * 1000,
      )
      t.equal(res.statusCode, 200, 'then the right password works')
      t.ok(res.json().token, 'with a token')
      const after = await login(0, 'ada', 'one more guess', '203.0.113.52')
      t.equal(
        after.statusCode,
        refusedOn(0),
        'a success cleared the failures: no delay for the next',
      )
    })

    await t.test('registration is limited per client over both routes', async (t) => {
      const register = (i: number, remoteAddress: string) =>
        app.inject({
          method: 'POST',
          url: i % 2 ? '/api/rest-auth/registration/' : '/api/auth/register',
          payload:
            i % 2
              ? {
                  username: `reg${i}${remoteAddress.length}`,
                  email: `reg${i}-${remoteAddress}@example.com`,
                  password1: 'long enough password',
                  password2: 'long enough password',
                }
              : {
                  username: `reg${i}${remoteAddress.length}`,
                  email: `reg${i}-${remoteAddress}@example.com`,
                  password: 'long enough password',
                },
          remoteAddress,
        })
      for (let i = 0; i < 3; i++) {
        t.equal((await register(i, '192.0.2.10')).statusCode, 201, `registration ${i + 1}`)
      }
      for (const i of [3, 4]) {
        const res = await register(i, '192.0.2.10')
        t.equal(res.statusCode, 429, `registration ${i + 1} waits`)
        t.equal(res.json().code, 'RATE_LIMITED')
      }
      t.equal((await register(5, '192.0.2.200')).statusCode, 201, 'another client goes on')
    })

    await t.test('an anonymous Idempotency-Key cannot be taken by a stranger', async (t) => {
      const key = { 'idempotency-key': 'predictable-key-1' }
      const account = (name: string) => ({
        username: name,
        email: `${name}@example.com`,
        password: `${name} secret words`,
      })
      const stranger = await app.inject({
        method: 'POST',
        url: '/api/auth/register',
        headers: key,
        payload: account('mallory'),
        remoteAddress: '192.0.2.30',
      })
      t.equal(stranger.statusCode, 201, 'a stranger claims the key first')
      const owner = await app.inject({
        method: 'POST',
        url: '/api/auth/register',
        headers: key,
        payload: account('grace'),
        remoteAddress: '192.0.2.31',
      })
      t.equal(owner.statusCode, 201, 'the owner still registers under the same key')
      t.equal(owner.json().username, 'grace', 'with their own account, not a replay')
      t.notOk(owner.headers['idempotent-replayed'])
      const replay = await app.inject({
        method: 'POST',
        url: '/api/auth/register',
        headers: key,
        payload: account('grace'),
        remoteAddress: '192.0.2.31',
      })
      t.equal(replay.headers['idempotent-replayed'], 'true', 'the same request still replays')
      t.equal(replay.json().id, owner.json().id)
    })
  },
  { LOGIN_MAX_PER_MINUTE: '4', REGISTRATIONS_PER_HOUR: '3' },
)

t.test('a taken username or email is refused before any bcrypt work', async (t) => {
  const database = await openTestDatabase(t, 'postgres')
  // At cost 31 one hash takes days: an answer at all shows that none was computed.
  const { app, user } = await startTestApp(t, database, { BCRYPT_COST: '31' })
  const taken = await user('user', 'taken')
  const cases = [
    {
      url: '/api/auth/register',
      payload: { username: 'TAKEN', email: 'new@example.com', password: 'long enough password' },
      status: 409,
      code: 'USERNAME_TAKEN',
    },
    {
      url: '/api/rest-auth/registration/',
      payload: {
        username: 'fresh-name',
        email: `${taken.username}@example.com`,
        password1: 'long enough password',
        password2: 'long enough password',
      },
      // The old route answers a taken email as the old service did: a 400 field error.
      status: 400,
      code: 'VALIDATION_FAILED',
      oldKey: 'email',
    },
  ]
  for (const c of cases) {
    await t.test(c.url, { timeout: 60_000 }, async (t) => {
      const res = await app.inject({ method: 'POST', url: c.url, payload: c.payload })
      t.equal(res.statusCode, c.status)
      t.equal(res.json().code, c.code)
      if (c.oldKey) t.match(res.json()[c.oldKey], [/already registered/])
    })
  }
})
