// Every back-office page at 360 px: no serious or critical axe-core violation, nothing wider than
// the screen, the CSP never broken. A screenshot of each is kept in test/artifacts/.
import t from 'tap'
import { checkPage, signIn, startWeb } from './browser.js'

t.test('the back office is accessible at 360 px', async (t) => {
  const web = await startWeb(t)
  const staff = await web.user('staff')
  const patron = await web.user('user')
  const book = await web.addBook(staff, { title: 'Parable of the Sower', author: 'Butler' })
  await web.app.inject({
    method: 'POST',
    url: '/api/rentals',
    headers: patron.auth,
    payload: { bookId: book.id },
  })
  const page = await (await web.context({ width: 360 })).newPage()
  const problems: string[] = []
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) problems.push(m.text())
  })
  await signIn(page, staff.username)
  for (const [path, name, heading] of [
    ['/admin/', 'staff-home', 'Back office'],
    ['/admin/books', 'staff-books', 'Catalogue (staff)'],
    [`/admin/users/${patron.id}`, 'staff-user', `Customer ${patron.id}`],
    ['/admin/rentals', 'staff-rentals', 'Rentals'],
    ['/admin/audit', 'staff-audit', 'Audit'],
  ] as const) {
    await page.goto(path)
    await checkPage(t, page, name, heading)
  }
  t.same(problems, [], 'the CSP was never broken')
})
