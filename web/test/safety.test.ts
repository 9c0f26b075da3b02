// Flow 4: strings from the API are text, never markup; no page has a serious accessibility
// violation (axe-core), each fits 360 px (the staff's pages: staff-pages.test.ts), the CSP is never broken; renting and returning work
// with the keyboard alone. A screenshot of every page is kept in test/artifacts/.
import type { Page } from 'playwright-core'
import t from 'tap'
import { card, checkPage, see, signIn, startWeb } from './browser.js'

const XSS = '<img src=x onerror=alert(1)>'

/** Presses Tab until the focused element is named `name`; fails after 80 presses. */
async function tabTo(page: Page, name: string): Promise<void> {
  for (let i = 0; i < 80; i++) {
    await page.keyboard.press('Tab')
    // Run in the page (a string: this file is compiled without the DOM's types).
    const focused = await page.evaluate<string>(
      "document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.textContent?.trim() ?? ''",
    )
    if (focused === name) return
  }
  throw new Error(`no focusable element named ${name}`)
}

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

  for (const [path, name, heading] of [
    ['/', 'landing', 'Rent Books.'],
    ['/user/login/', 'sign-in', 'Sign in'],
    ['/signup', 'sign-up', 'Sign up'],
    ['/home', 'catalogue-signed-out', 'Catalogue'],
  ] as const) {
    await page.goto(path)
    await check(name, heading)
  }

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

  await page.goto('/balance')
  await check('balance', 'My balance')
  await page.getByRole('button', { name: /Sign out/ }).click()
  await page.getByRole('heading', { name: 'Rent Books.' }).waitFor()

  t.same(problems, [], 'no dialog opened and the CSP was never broken')
})
