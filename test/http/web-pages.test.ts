// The web app's pages and assets as the server sends them (the pages themselves are tested in a
// browser: web/test/).
import t from 'tap'
import { forEachApp } from '../helpers/app.js'

forEachApp(t, async (t, { app }) => {
  const index = await app.inject({ url: '/' })

  await t.test(
    'every page path, the old ones among them, is the app with a strict CSP',
    async (t) => {
      for (const url of [
        '/',
        '/home',
        '/balance',
        '/user/login/',
        '/admin/',
        '/admin/books',
        '/rentals',
      ]) {
        const res = await app.inject({ url })
        t.equal(res.statusCode, 200, url)
        t.equal(res.headers['content-type'], 'text/html; charset=utf-8', url)
        t.equal(res.body, index.body, `${url} is the app`)
        const csp = String(res.headers['content-security-policy'])
        t.match(csp, /script-src 'self'(;|$)/, `${url}: scripts from this origin only`)
        t.notMatch(csp, /unsafe-inline|unsafe-eval/, `${url}: nothing inline`)
        t.equal(res.headers['cache-control'], 'no-cache')
      }
      t.notMatch(index.body, /<script>|<script [^>]*>[^<]/, 'no inline script in the page')
    },
  )

  await t.test('assets are sent compressed when asked, with long caching', async (t) => {
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(index.body)?.[1]
    const style = /href="(\/assets\/[^"]+\.css)"/.exec(index.body)?.[1]
    t.ok(script && style, 'the page names its script and style')
    const plain = await app.inject({ url: script! })
    t.equal(plain.statusCode, 200)
    t.equal(plain.headers['content-type'], 'text/javascript; charset=utf-8')
    t.match(plain.headers['cache-control'], /immutable/)
    const br = await app.inject({ url: script!, headers: { 'accept-encoding': 'gzip, br' } })
    t.equal(br.headers['content-encoding'], 'br')
    t.ok(br.rawPayload.length < plain.rawPayload.length / 2, 'brotli is much smaller')
    const gz = await app.inject({ url: style!, headers: { 'accept-encoding': 'gzip' } })
    t.equal(gz.headers['content-encoding'], 'gzip')
  })

  await t.test('an unknown asset is a 404 problem', async (t) => {
    const res = await app.inject({ url: '/assets/nothing.js' })
    t.equal(res.statusCode, 404)
    t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8')
  })
})
