// Flow 2: staff add a book with a cover, find the patron and check the book out for them at the
// desk, record a payment and download the CSV export; the patron's open balance page shows the
// new book, the rental and the payment live, without a reload.
import { readFileSync } from 'node:fs'
import t from 'tap'
import { card, PNG, see, shot, signIn, startWeb } from './browser.js'

t.test('the back office, seen live by a patron', async (t) => {
  const web = await startWeb(t)
  const staff = await web.user('staff')
  const patron = await web.user('user')
  const desk = await (await web.context()).newPage()
  const home = await (await web.context()).newPage()
  await signIn(desk, staff.username)
  await signIn(home, patron.username)

  await desk.getByRole('link', { name: 'Back office' }).click()
  await desk
    .getByRole('navigation', { name: 'Back office' })
    .getByRole('link', { name: 'Catalogue' })
    .click()
  const form = desk.getByRole('form', { name: 'Add a book' })
  await form.getByLabel('Title').fill('The Dispossessed')
  await form.getByLabel('Author').fill('Le Guin')
  await form.getByLabel('Description').fill('An ambiguous utopia.')
  await form.getByLabel('Type').selectOption('novel')
  await form.getByLabel('Copies').fill('2')
  await form
    .getByLabel('Cover image')
    .setInputFiles({ name: 'cover.png', mimeType: 'image/png', buffer: PNG })
  await form.getByRole('button', { name: 'Add the book' }).click()
  await see(form.getByRole('status'), 'Added “The Dispossessed” with its cover')
  await shot(desk, 'staff-books')
  const added = card(home, 'The Dispossessed')
  await see(added, '2 of 2 available')
  t.pass("the patron's catalogue shows the new book without a reload")
  // Decorative (alt="", the title is beside it), so not an image to the accessibility tree.
  const cover = added.locator('img')
  await cover.waitFor()
  t.match(await cover.getAttribute('src'), /^\/api\/books\/[0-9a-f-]{36}\/cover\?v=/)
  await home.waitForFunction(
    "[...document.querySelectorAll('img.cover')].some((i) => i.complete && i.naturalWidth > 0)",
  )
  t.pass('with the uploaded cover, loaded from the service')

  await home.getByRole('link', { name: 'My balance' }).click()
  await see(home.getByLabel('Balance now'), 'Paid$0.00')

  // The desk: find the patron among the customers, open their page.
  await desk
    .getByRole('navigation', { name: 'Back office' })
    .getByRole('link', { name: 'Customers' })
    .click()
  await desk.getByLabel('Username, email or name').fill(patron.username)
  await desk
    .getByRole('table', { name: 'Customers' })
    .getByRole('link', { name: patron.username })
    .click()
  await desk.getByRole('heading', { name: `Customer ${patron.username}`, level: 1 }).waitFor()

  const checkout = desk.getByRole('form', { name: 'Check a book out' })
  await checkout.getByLabel('Find a book').fill('dispossessed')
  await checkout.getByRole('button', { name: /^The Dispossessed by Le Guin/ }).click()
  await see(checkout, 'Book: The Dispossessed')
  await checkout.getByRole('button', { name: 'Check out' }).click()
  await see(checkout.getByRole('status'), `Checked out “The Dispossessed” to ${patron.username}`)
  await see(desk.getByRole('table', { name: 'Open rentals' }), 'The Dispossessed')
  await see(home.getByRole('table', { name: 'Open rentals' }), 'The Dispossessed')
  t.pass("the patron's balance page shows the rental made at the desk, without a reload")

  const pay = desk.getByRole('form', { name: 'Record a payment' })
  await pay.getByLabel('Amount').fill('12.50')
  await pay.getByLabel('Reference').fill('till 3')
  await pay.getByRole('button', { name: 'Record payment' }).click()
  await see(pay.getByRole('status'), 'Recorded $12.50')
  await see(desk.getByLabel('Balance now'), 'Paid$12.50')
  await see(desk.getByRole('table', { name: 'Payments' }), 'till 3')
  await shot(desk, 'staff-desk')
  await shot(desk, 'desk', checkout)
  await see(home.getByLabel('Balance now'), 'Paid$12.50')
  t.pass("the patron's balance shows the payment without a reload")
  await home.getByRole('link', { name: 'My payments' }).click()
  await see(home.getByRole('table', { name: 'My payments' }), /\$12\.50.*till 3/)
  t.pass('and so do their payments')

  await desk.goto('/admin/audit')
  await see(desk.getByRole('table', { name: 'Read models' }), 'up-to-date')
  const download = desk.waitForEvent('download')
  await desk.getByLabel('Format').selectOption('csv')
  await desk.getByRole('button', { name: 'Download' }).click()
  const file = await (await download).path()
  const csv = readFileSync(file, 'utf8')
  t.match(csv.split('\n')[0], /position/, 'a CSV with a header row')
  t.match(csv, /The Dispossessed/, 'the book added through the page is in the log')
  t.match(csv, /BookCoverUploaded/, 'its cover upload')
  t.match(csv, new RegExp(`BookRented.*${patron.id}`), 'the rental for the patron')
  t.match(csv, /till 3/, 'and the payment')
  await shot(desk, 'staff-audit')
})
