// Flow 2: staff add a book, record a payment at the desk and download the CSV export; the
// patron's open pages show the new book and the payment live, without a reload.
import { readFileSync } from 'node:fs'
import t from 'tap'
import { card, see, shot, signIn, startWeb } from './browser.js'

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
  await form.getByRole('button', { name: 'Add the book' }).click()
  await see(form.getByRole('status'), 'Added “The Dispossessed”')
  await shot(desk, 'staff-books')
  await see(card(home, 'The Dispossessed'), '2 of 2 available')
  t.pass("the patron's catalogue shows the new book without a reload")

  await home.getByRole('link', { name: 'My balance' }).click()
  await see(home.getByLabel('Balance now'), 'Paid$0.00')
  await desk.goto(`/admin/users/${patron.id}`)
  const pay = desk.getByRole('form', { name: 'Record a payment' })
  await pay.getByLabel('Amount').fill('12.50')
  await pay.getByLabel('Reference').fill('till 3')
  await pay.getByRole('button', { name: 'Record payment' }).click()
  await see(pay.getByRole('status'), 'Recorded $12.50')
  await see(desk.getByLabel('Balance now'), 'Paid$12.50')
  await shot(desk, 'staff-desk')
  await see(home.getByLabel('Balance now'), 'Paid$12.50')
  t.pass("the patron's balance shows the payment without a reload")

  await desk.goto('/admin/audit')
  await see(desk.getByRole('table', { name: 'Read models' }), 'up-to-date')
  const download = desk.waitForEvent('download')
  await desk.getByLabel('Format').selectOption('csv')
  await desk.getByRole('button', { name: 'Download' }).click()
  const file = await (await download).path()
  const csv = readFileSync(file, 'utf8')
  t.match(csv.split('\n')[0], /position/, 'a CSV with a header row')
  t.match(csv, /The Dispossessed/, 'the book added through the page is in the log')
  t.match(csv, /till 3/, 'and so is the payment')
  await shot(desk, 'staff-audit')
})
