// Every response carries helmet's security headers, exactly as helmet itself sets them on a
// response (src/http/plugins/security-headers.ts replays what helmet did once at start).
import { IncomingMessage, ServerResponse } from 'node:http'
import { Socket } from 'node:net'
import helmet from 'helmet'
import t from 'tap'
import { HELMET_OPTIONS, helmetHeaders } from '../../src/http/plugins/security-headers.js'
import { forEachApp } from '../helpers/app.js'

/** The headers helmet sets on a real response of Node's. */
function helmetOnARealResponse(): Record<string, unknown> {
  const res = new ServerResponse(new IncomingMessage(new Socket()))
  res.setHeader('X-Powered-By', 'something')
  let err: unknown
  helmet(HELMET_OPTIONS)(res.req, res, (e) => {
    err = e
  })
  if (err) throw err
  return res.getHeaders()
}

t.test('helmet with options that read the request is refused, not frozen', async (t) => {
  t.throws(
    () =>
      helmetHeaders({
        contentSecurityPolicy: {
          directives: { 'script-src': ["'self'", (req) => `'nonce-${req.headers.host}'`] },
        },
      }),
    /depend on the request/,
  )
})

forEachApp(t, async (t, { app, user }) => {
  const expected = helmetOnARealResponse()
  t.ok(expected['content-security-policy'], 'helmet sets a Content-Security-Policy')
  t.ok(Object.keys(expected).length >= 10, 'and its other headers')
  const reader = await user('user')
  const responses = {
    'a book list': await app.inject({ url: '/api/books?limit=50' }),
    'a balance': await app.inject({ url: '/api/me/balance', headers: reader.auth }),
    'a 401': await app.inject({ url: '/api/me/balance' }),
    'a 404': await app.inject({ url: '/api/nothing-here' }),
    'a 400': await app.inject({ url: '/api/books?limit=0' }),
  }
  for (const [what, res] of Object.entries(responses)) {
    for (const [name, value] of Object.entries(expected)) {
      t.same(res.headers[name], value, `${what} (${res.statusCode}) carries ${name}`)
    }
    t.equal(res.headers['x-powered-by'], undefined, `${what} does not say what it runs on`)
  }
})
