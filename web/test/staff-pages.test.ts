// Every back-office page at 360 px: no serious or critical axe-core violation, nothing wider than
// the screen, the CSP never broken; the catalogue with a book's editor open, and the desk with a
// customer and a book chosen. A screenshot of each is kept in test/artifacts/.
import t from 'tap'
import { card, checkPage, signIn, startWeb } from './browser.js'

t.test('the back office is accessible at 360 px', async (t) => {
  const web = await startWeb(t)
  const staff = await web.user('staff')
  const patron = await web.user('user')
  const book = await web.addBook(staff, { title: 'Parable of the Sower', author: 'Butler' })
  await web.addBook(staff, { title: 'Parable of the Talents', author: 'Butler', copies: 2 })
  for (const [url, payload] of [
    ['/api/rentals', { bookId: book.id, userId: patron.id }],
    ['/api/payments', { userId: patron.id, amountCents: 750, reference: 'desk' }],
  ] as const) {
    const res = await web.app.inject({ method: 'POST', url, headers: staff.auth, payload })
    t.equal(res.statusCode, 201, `${url} through the API`)
  }
  const page = await (await web.context({ width: 360 })).newPage()
  const problems: string[] = []
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) problems.push(m.text())
  })
  await signIn(page, staff.username)
  for (const [path, name, heading] of [
    ['/admin/', 'staff-home', 'Back office'],
    ['/admin/users', 'staff-users', 'Customers'],
    [`/admin/users/${patron.id}`, 'staff-user', `Customer ${patron.username}`],
    ['/admin/rentals', 'staff-rentals', 'Rentals'],
    ['/admin/payments', 'staff-payments', 'Payments'],
    ['/admin/audit', 'staff-audit', 'Audit'],
  ] as const) {
    await page.goto(path)
    await checkPage(t, page, name, heading)
  }

  await page.goto('/admin/books')
  const talents = card(page, 'Parable of the Talents')
  await talents.getByText('Edit “Parable of the Talents”').click()
  await talents.getByRole('button', { name: 'Retire Parable of the Talents' }).click()
  await talents.getByRole('button', { name: 'Keep it' }).waitFor()
  await checkPage(t, page, 'staff-books', 'Catalogue (staff)')

  await page.goto(`/admin/users/${patron.id}`)
  await page.getByLabel('Find a book').fill('talents')
  await page.getByRole('button', { name: /^Parable of the Talents/ }).click()
  await page.getByText('Book: Parable of the Talents').waitFor()
  await checkPage(t, page, 'staff-desk-chosen', `Customer ${patron.username}`)

  await page.goto('/admin/payments')
  await page.getByLabel('Find a customer').fill(patron.username)
  await page.getByRole('button', { name: patron.username }).click()
  await page.getByRole('form', { name: 'Record a payment' }).waitFor()
  await checkPage(t, page, 'staff-payments-customer', 'Payments')
  t.same(problems, [], 'the CSP was never broken')
})
