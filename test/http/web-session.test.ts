// The web app's session: the refresh token only as an HttpOnly SameSite=Strict cookie scoped to
// /api/session, rotated on each refresh, ended by sign-out.
import t from 'tap'
import { forEachApp } from '../helpers/app.js'

const cookieOf = (setCookie: string | string[] | undefined) => {
  const line = [setCookie ?? []].flat().find((c) => c.startsWith('ledger_session='))
  return { line: line ?? '', value: line?.split(';')[0] ?? '' }
}

forEachApp(t, async (t, { app, user }) => {
  const patron = await user()
  const signIn = (password: string) =>
    app.inject({
      method: 'POST',
      url: '/api/session',
      payload: { username: patron.username, password },
      remoteAddress: '10.9.0.1',
    })
  const refresh = (cookie?: string) =>
    app.inject({ method: 'POST', url: '/api/session/refresh', headers: cookie ? { cookie } : {} })

  await t.test('signing in sets the cookie and gives an access token that works', async (t) => {
    const res = await signIn('correct horse battery')
    t.equal(res.statusCode, 200)
    const body = res.json()
    t.same(body.user, { id: patron.id, username: patron.username, role: 'user' })
    t.notOk('refreshToken' in body, 'the refresh token is not in the body the script reads')
    const { line } = cookieOf(res.headers['set-cookie'])
    t.match(line, /HttpOnly/, 'HttpOnly')
    t.match(line, /SameSite=Strict/, 'SameSite=Strict')
    t.match(line, /Path=\/api\/session/, 'sent to the session routes only')
    const me = await app.inject({
      url: '/api/me',
      headers: { authorization: `Bearer ${body.accessToken}` },
    })
    t.equal(me.json().id, patron.id)
  })

  await t.test('a wrong password gets 401 and no cookie', async (t) => {
    const res = await signIn('wrong password here')
    t.equal(res.statusCode, 401)
    t.equal(cookieOf(res.headers['set-cookie']).value, '')
  })

  await t.test('refresh rotates the cookie; the old one then ends the session', async (t) => {
    const first = cookieOf((await signIn('correct horse battery')).headers['set-cookie']).value
    const res = await refresh(first)
    t.equal(res.statusCode, 200)
    t.equal(res.json().user.id, patron.id)
    const second = cookieOf(res.headers['set-cookie']).value
    t.not(second, first, 'a new refresh token')
    t.equal((await refresh(first)).statusCode, 401, 'the spent one is refused')
    t.equal((await refresh(second)).statusCode, 401, 'and its reuse revoked the family')
  })

  await t.test('sign-out ends the refresh token and clears the cookie', async (t) => {
    const cookie = cookieOf((await signIn('correct horse battery')).headers['set-cookie']).value
    const out = await app.inject({ method: 'DELETE', url: '/api/session', headers: { cookie } })
    t.equal(out.statusCode, 204)
    t.match(cookieOf(out.headers['set-cookie']).line, /Expires=Thu, 01 Jan 1970/, 'cleared')
    const after = await refresh(cookie)
    t.equal(after.statusCode, 401)
    t.equal(after.headers['content-type'], 'application/problem+json; charset=utf-8')
  })

  await t.test('no cookie, no session', async (t) => {
    t.equal((await refresh()).statusCode, 401)
    const out = await app.inject({ method: 'DELETE', url: '/api/session' })
    t.equal(out.statusCode, 204, 'signing out without a session is harmless')
  })
})
