// Flow 1: a patron signs up, finds a book, rents it, sees what it will cost by day (the API's
// asOf quotes, not waiting), returns it and sees the final charge; then edits their profile.
import t from 'tap'
import { priceCents } from '../../src/domain/pricing.js'
import { localDateValue } from '../src/format.js'
import { card, see, shot, startWeb } from './browser.js'

const inDays = (n: number) => localDateValue(new Date(Date.now() + n * 86_400_000))
/** What `days` of a regular book cost on the default plan, as the page writes it (en-US). */
const dollars = (days: number) => `$${(priceCents('v3', 'regular', days) / 100).toFixed(2)}`

t.test('a patron signs up, rents, gets quotes, returns', async (t) => {
  const web = await startWeb(t)
  const staff = await web.user('staff')
  await web.addBook(staff, { title: 'The Left Hand of Darkness', author: 'Le Guin', copies: 2 })
  await web.addBook(staff, { title: 'Dune', author: 'Herbert', type: 'regular', copies: 1 })
  const page = await (await web.context()).newPage()

  await page.goto('/')
  await page.getByRole('heading', { name: 'Rent Books.' }).waitFor()
  await shot(page, 'landing')
  await page.getByRole('link', { name: 'Sign up' }).first().click()
  await page.getByLabel('Username').fill('paul')
  await page.getByLabel('Email').fill('paul@example.com')
  await page.getByLabel('Password').fill('spice must flow')
  await shot(page, 'sign-up')
  await page.getByRole('button', { name: 'Sign up' }).click()
  await page.getByRole('heading', { name: 'Catalogue', level: 1 }).waitFor()
  t.pass('signed up and signed in')

  // Both books are listed first, so that the one leaving the list is the search's doing.
  await see(card(page, 'The Left Hand of Darkness'), '2 of 2 available')
  await page.getByLabel('Search title or author').fill('dune')
  await card(page, 'The Left Hand of Darkness').waitFor({ state: 'detached' })
  t.equal(await page.getByRole('heading', { level: 2 }).count(), 1, 'the search found one book')
  const dune = card(page, 'Dune')
  await see(dune, '1 of 1 available')
  await shot(page, 'catalogue')
  await dune.getByRole('button', { name: 'Rent Dune' }).click()
  await see(dune.getByRole('status'), 'You rented “Dune”')
  await see(dune, 'Not available')
  t.pass('rented; the card shows the copy gone')

  await page.getByRole('link', { name: 'My balance' }).click()
  await see(page.getByLabel('Balance now'), `Owed${dollars(1)}`)
  const quote = page.getByLabel('Quote', { exact: true })
  await see(quote, `Owed${dollars(1)}`)
  // Rented today and returned at the end of the day after tomorrow, it is 3 days; a day later, 4.
  await page.getByLabel('Quote for the end of').fill(inDays(2))
  await see(quote, `Owed${dollars(3)}`)
  await page.getByLabel('Quote for the end of').fill(inDays(3))
  await see(quote, `Owed${dollars(4)}`)
  t.pass('the quote grows by the plan’s price per day')
  await shot(page, 'balance')

  await page.getByRole('link', { name: 'My rentals' }).click()
  const rentals = page.getByRole('table', { name: 'My rentals' })
  await see(rentals, 'Dune')
  await rentals.getByRole('button', { name: 'Return Dune' }).click()
  await rentals.getByRole('button', { name: 'Return Dune' }).waitFor({ state: 'detached' })
  await see(rentals.getByRole('row'), new RegExp(`Dune.*\\${dollars(1)}`))
  await shot(page, 'rentals')
  t.pass('returned: the row shows the final charge')

  await page.getByRole('link', { name: 'My balance' }).click()
  await see(page.getByLabel('Balance now'), `Charged${dollars(1)}`)
  await see(page.getByLabel('Balance now'), `Owed${dollars(1)}`)
  t.pass('the balance shows the final charge')

  await page.getByRole('link', { name: 'My profile' }).click()
  const profile = page.getByRole('form', { name: 'My profile' })
  await profile.getByLabel('Name').fill('Paul Atreides')
  await profile.getByLabel('Phone').fill('call me')
  await profile.getByRole('button', { name: 'Save' }).click()
  await see(profile.getByRole('alert'), /phone/)
  t.pass('a phone that is not one: refused, in words, beside the form')
  await profile.getByLabel('Phone').fill('+1 555-0100')
  await profile.getByRole('button', { name: 'Save' }).click()
  await see(profile.getByRole('status'), 'Saved.')
  await page.reload()
  await page.getByRole('form', { name: 'My profile' }).getByLabel('Name').waitFor()
  t.equal(await page.getByLabel('Name').inputValue(), 'Paul Atreides', 'the name is kept')
  t.equal(await page.getByLabel('Phone').inputValue(), '+1 555-0100', 'and the phone')
  t.equal(await page.getByLabel('Email').inputValue(), 'paul@example.com', 'the email as signed up')
  await shot(page, 'profile')

  await page.getByRole('button', { name: /Sign out/ }).click()
  await page.getByRole('heading', { name: 'Rent Books.' }).waitFor()
  await page.reload()
  await page.getByRole('link', { name: 'Sign in' }).first().waitFor()
  t.pass('signed out, and a reload does not bring the session back')
})
