// The old service's sign-in, token refresh and verify, and registration (API.md, Seed-compatible
// routes): their answers, and their refusals in both the problem shape and the old keys.
import t from 'tap'
import { forEachApp } from '../helpers/app.js'
import { appendsNothing, claimsOf, jwt, oldError, UNKNOWN } from '../helpers/seed.js'
import { signJwt } from '../helpers/tokens.js'

const PASSWORD = 'correct horse battery' // what ctx.user registers with
const json = { 'content-type': 'application/json' }

forEachApp(t, async (t, { app, user, config, database }) => {
  const alice = await user('user')
  const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url, payload: payload as object, headers })
  const me = (token: string) =>
    app.inject({ url: `/api/v1/accounts/${claimsOf(token).user_id}`, headers: jwt(token) })
  const now = () => Math.floor(Date.now() / 1000)
  const secret = config.JWT_SECRET!

  await t.test('POST /api-token-auth/ answers a token with the old claims', async (t) => {
    const res = await post('/api-token-auth/', { username: alice.username, password: PASSWORD })
    t.equal(res.statusCode, 200)
    t.same(Object.keys(res.json()), ['token'])
    const { token } = res.json()
    t.match(claimsOf(token), {
      sub: alice.id,
      user_id: alice.id,
      username: alice.username,
      email: `${alice.username}@example.com`,
      role: 'user',
      exp: Number,
      orig_iat: Number,
    })
    t.equal((await me(token)).statusCode, 200, 'the token works as JWT <token>')
    const slashless = await post('/api-token-auth', {
      username: alice.username,
      password: PASSWORD,
    })
    t.equal(slashless.statusCode, 200, 'without the trailing slash too')
  })

  await t.test('POST /api-token-auth/ refuses in the old words', async (t) => {
    const refused = ['Unable to log in with provided credentials.']
    await appendsNothing(t, database, async () => {
      const wrong = await post('/api-token-auth/', { username: alice.username, password: 'nope' })
      oldError(t, wrong, 400, { non_field_errors: refused })
      const unknown = await post('/api-token-auth/', { username: 'nobody-at-all', password: 'x' })
      t.same(unknown.json(), wrong.json(), 'the same body for an unknown user and a wrong password')
      oldError(t, await post('/api-token-auth/', { username: alice.username }), 400, {
        password: ['This field is required.'],
      })
      const blank = await post('/api-token-auth/', { username: '', password: '' })
      oldError(t, blank, 400, {
        username: ['This field may not be blank.'],
        password: ['This field may not be blank.'],
      })
      t.match(blank.json().errors, [{ path: 'body/username' }, { path: 'body/password' }])
      oldError(t, await post('/api-token-auth/', '"not an object"', json), 400, {
        non_field_errors: ['Invalid data. Expected a dictionary.'],
      })
    })
  })

  await t.test('POST /api-token-refresh/ trades a valid token for a fresh one', async (t) => {
    const signed = (
      await post('/api-token-auth/', { username: alice.username, password: PASSWORD })
    ).json().token
    const res = await post('/api-token-refresh/', { token: signed })
    t.equal(res.statusCode, 200)
    const fresh = res.json().token
    t.match(claimsOf(fresh), { sub: alice.id, user_id: alice.id, username: alice.username })
    t.equal(claimsOf(fresh).orig_iat, claimsOf(signed).orig_iat, 'the chain keeps its start')
    t.ok(Number(claimsOf(fresh).exp) >= Number(claimsOf(signed).exp), 'expires no sooner')
    t.equal((await me(fresh)).statusCode, 200, 'the fresh token works')
    const helper = await post('/api-token-refresh', { token: alice.token })
    t.equal(helper.statusCode, 200, 'a token without orig_iat starts its chain at its iat')
  })

  await t.test('refresh and verify refuse bad tokens with the old messages', async (t) => {
    const claims = { sub: alice.id, role: 'user', username: alice.username }
    const expired = signJwt({ ...claims, iat: now() - 7200, exp: now() - 3600 }, secret)
    const forged = signJwt({ ...claims, iat: now(), exp: now() + 60 }, 'another secret entirely')
    const noExp = signJwt({ ...claims, iat: now() }, secret)
    const nobody = signJwt({ ...claims, sub: UNKNOWN, iat: now(), exp: now() + 60 }, secret)
    const stale = signJwt(
      {
        ...claims,
        iat: now(),
        exp: now() + 60,
        orig_iat: now() - config.REFRESH_TOKEN_TTL_SECONDS - 60,
      },
      secret,
    )
    await appendsNothing(t, database, async () => {
      for (const url of ['/api-token-refresh/', '/api-token-verify/']) {
        const says = async (token: unknown, message: string) =>
          oldError(t, await post(url, { token }), 400, { non_field_errors: [message] })
        await says(expired, 'Signature has expired.')
        await says(forged, 'Error decoding signature.')
        await says(noExp, 'Error decoding signature.')
        await says('not.a.jwt', 'Error decoding signature.')
        await says(nobody, "User doesn't exist.")
        oldError(t, await post(url, {}), 400, { token: ['This field is required.'] })
        oldError(t, await post(url, { token: 42 }), 400, { token: ['Not a valid string.'] })
      }
      oldError(t, await post('/api-token-refresh/', { token: stale }), 400, {
        non_field_errors: ['Refresh has expired.'],
      })
    })
  })

  await t.test('POST /api-token-verify/ answers a valid token as it is', async (t) => {
    const res = await post('/api-token-verify/', { token: alice.token })
    t.equal(res.statusCode, 200)
    t.same(res.json(), { token: alice.token })
    t.equal((await post('/api-token-verify', { token: alice.token })).statusCode, 200, 'no slash')
  })

  await t.test('POST /api/rest-auth/registration/ registers and signs in', async (t) => {
    const form = {
      username: 'old.client',
      email: 'old.client@example.com',
      password1: 'spice must flow',
      password2: 'spice must flow',
    }
    const register = (payload: object) => post('/api/rest-auth/registration/', payload)
    await appendsNothing(t, database, async () => {
      oldError(t, await register({ ...form, password2: 'spice must flows' }), 400, {
        non_field_errors: ["The two password fields didn't match."],
      })
      oldError(t, await register({ ...form, password1: 'short', password2: 'short' }), 400, {
        password1: ['This password is too short. It must contain at least 8 characters.'],
        password2: ['This password is too short. It must contain at least 8 characters.'],
      })
      const long = 'é'.repeat(40) // 40 characters, 80 bytes: bcrypt would cut it
      oldError(t, await register({ ...form, password1: long, password2: long }), 400, {
        password1: ['must be at most 72 bytes in UTF-8'],
      })
      oldError(t, await register({ ...form, email: 'not-an-email' }), 400, {
        email: ['Enter a valid email address.'],
      })
      oldError(t, await register({ ...form, username: 'no spaces' }), 400, {
        username: [
          'Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.',
        ],
      })
      oldError(t, await register({ username: 'x.client' }), 400, {
        password1: ['This field is required.'],
        password2: ['This field is required.'],
      })
      oldError(t, await register({ ...form, age: 3 }), 400, {
        age: ['This field is not accepted here.'],
      })
      oldError(t, await register({ ...form, username: alice.username.toUpperCase() }), 400, {
        username: ['A user with that username already exists.'],
      })
      const taken = await register({ ...form, email: `${alice.username}@example.com` })
      oldError(t, taken, 400, {
        email: ['A user is already registered with this e-mail address.'],
      })
      t.match(taken.json(), { code: 'VALIDATION_FAILED', errors: [{ path: 'body/email' }] })
    })

    const res = await register(form)
    t.equal(res.statusCode, 201, 'the refused attempts created nothing')
    t.same(Object.keys(res.json()), ['token'])
    t.match(claimsOf(res.json().token), { username: 'old.client', email: form.email })
    t.equal((await me(res.json().token)).statusCode, 200, 'the token signs the new user in')

    const noEmail = await post('/api/rest-auth/registration', {
      ...form,
      username: 'no.email',
      email: '',
    })
    t.equal(noEmail.statusCode, 201, 'an empty email is none (and the slash is optional)')
    t.equal(claimsOf(noEmail.json().token).email, '')
    const { email: _, ...withoutEmail } = form
    const left = await register({ ...withoutEmail, username: 'no.email.at.all' })
    t.equal(left.statusCode, 201, 'email may be left out')
  })

  await t.test('sign-in attempts are rate limited', async (t) => {
    let status = 0
    for (let i = 0; i <= config.LOGIN_MAX_PER_MINUTE && status !== 429; i++) {
      const res = await post('/api-token-auth/', { username: alice.username, password: 'guess' })
      status = res.statusCode
      if (status === 429) t.equal(res.json().code, 'RATE_LIMITED')
    }
    t.equal(status, 429)
  })
})
