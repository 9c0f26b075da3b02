// Flow 4: strings from the API are text, never markup; no page has a serious accessibility
// violation (axe-core), each fits 360 px (the staff's pages: staff-pages.test.ts), the CSP is
// never broken; renting and returning work with the keyboard alone; no token where a script could
// read it. And what the first page loads: a strict CSP, no inline script, at most 150 KB.
// A screenshot of every page is kept in test/artifacts/.
import t, { type Test } from 'tap'
import { card, checkPage, see, signIn, startWeb, tabTo, type WebHarness } from './browser.js'

const XSS = '<img src=x onerror=alert(1)>'

t.test('text stays text, every page is accessible, keyboard alone rents and returns', async (t) => {
  const web = await startWeb(t)
  const staff = await web.user('staff')
  const patron = await web.user('user', 'patron-pat')
  await web.addBook(staff, {
    title: XSS,
    author: '<b>bold</b>',
    description: '<script>alert(2)</script>',
  })
  await web.addBook(staff, { title: 'Kindred', author: 'Butler', copies: 3 })
  const context = await web.context({ width: 360 })
  const page = await context.newPage()
  const problems: string[] = []
  page.on('dialog', (d) => {
    problems.push(`a dialog opened: ${d.message()}`)
    void d.dismiss()
  })
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) problems.push(m.text())
  })

  const check = (name: string, heading: string) => checkPage(t, page, name, heading)
  /** Each page by its path: its name (for the screenshot) and its heading. */
  const visit = async (pages: [path: string, name: string, heading: string][]) => {
    for (const [path, name, heading] of pages) {
      await page.goto(path)
      await check(name, heading)
    }
  }

  await visit([
    ['/', 'landing', 'Rent Books.'],
    ['/user/login/', 'sign-in', 'Sign in'],
    ['/signup', 'sign-up', 'Sign up'],
    ['/home', 'catalogue-signed-out', 'Catalogue'],
  ])

  await signIn(page, patron.username)
  await see(page.getByRole('heading', { level: 2 }), XSS)
  t.equal(await page.locator('img[src="x"]').count(), 0, 'no image element was made of the title')
  await see(card(page, XSS), '<script>alert(2)</script>')
  t.pass('the title, author and description show as the text they are')
  await check('catalogue', 'Catalogue')

  // Keyboard only: Tab to the Rent button, Enter; Tab to My rentals, Enter; Tab to Return, Enter.
  await tabTo(page, 'Rent Kindred')
  await page.keyboard.press('Enter')
  await see(card(page, 'Kindred').getByRole('status'), 'You rented')
  await tabTo(page, 'My rentals')
  await page.keyboard.press('Enter')
  await page.getByRole('heading', { name: 'My rentals', level: 1 }).waitFor()
  await check('rentals', 'My rentals')
  await tabTo(page, 'Return Kindred')
  await page.keyboard.press('Enter')
  await page.getByRole('button', { name: 'Return Kindred' }).waitFor({ state: 'detached' })
  t.pass('rented and returned with the keyboard alone')
  await page.getByRole('link', { name: 'My balance' }).focus()
  const focusVisible = await page.evaluate<string>(
    'getComputedStyle(document.activeElement).outlineStyle',
  )
  t.not(focusVisible, 'none', 'focus is visible')

  await visit([
    ['/balance', 'balance', 'My balance'],
    ['/payments', 'payments', 'My payments'],
    ['/profile', 'profile', 'My profile'],
  ])

  // The access token lives in the page's memory; the refresh token in an HttpOnly cookie.
  const stored = await page.evaluate<string>(
    'JSON.stringify([Object.keys(localStorage), Object.keys(sessionStorage), document.cookie])',
  )
  t.equal(stored, '[[],[],""]', 'nothing in localStorage or sessionStorage; no cookie script sees')
  const cookies = await context.cookies()
  t.same(
    cookies.map((c) => [c.name, c.httpOnly, c.sameSite, c.path]),
    [['ledger_session', true, 'Strict', '/api/session']],
    'the one cookie: the session, HttpOnly, SameSite=Strict, for the session routes only',
  )
  await page.getByRole('button', { name: /Sign out/ }).click()
  await page.getByRole('heading', { name: 'Rent Books.' }).waitFor()

  t.same(problems, [], 'no dialog opened and the CSP was never broken')
  t.same(await context.cookies(), [], 'sign-out cleared the session cookie')
  const replay = await web.app.inject({
    method: 'POST',
    url: '/api/session/refresh',
    headers: { cookie: `ledger_session=${cookies[0]!.value}` },
  })
  t.equal(replay.statusCode, 401, 'and ended its refresh token: a copy of the cookie is refused')

  await t.test('the first page: a strict CSP, no inline script, at most 150 KB', (t) =>
    firstPage(t, web),
  )
})

async function firstPage(t: Test, web: WebHarness) {
  const get = (url: string) => web.app.inject({ url, headers: { 'accept-encoding': 'br' } })
  const index = await get('/')
  const csp = String(index.headers['content-security-policy'])
  t.match(csp, /script-src 'self'(;|$)/, "scripts from this origin only (no 'unsafe-inline')")
  t.match(csp, /style-src 'self'(;|$)/, 'styles likewise')
  const html = (await web.app.inject({ url: '/' })).body
  const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0])
  t.ok(scripts.length > 0 && scripts.every((tag) => /\ssrc=/.test(tag)), 'every script is a file')
  t.notMatch(html, /\son[a-z]+=/i, 'no inline event handler')
  const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!)
  t.same(assets.map((a) => a.split('.').pop()).sort(), ['css', 'js'], 'one script, one stylesheet')
  let bytes = index.rawPayload.length
  for (const asset of assets) {
    const res = await get(asset)
    t.equal(res.headers['content-encoding'], 'br', `${asset} is sent compressed`)
    bytes += res.rawPayload.length
  }
  t.ok(bytes <= 150 * 1024, `the first page loads ${bytes} bytes compressed (at most 150 KB)`)
}
