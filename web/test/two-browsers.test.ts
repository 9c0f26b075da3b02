// Flow 3: two people, one copy. The one who rents it first gets it; the other's page shows it
// gone without a reload, and their Rent attempt shows the refusal in words.
import t from 'tap'
import { card, see, signIn, startWeb } from './browser.js'

t.test('the last copy, rented in one browser, is gone in the other', async (t) => {
  const web = await startWeb(t)
  const staff = await web.user('staff')
  await web.addBook(staff, { title: 'Solaris', author: 'Lem', copies: 1 })
  const [ann, bob] = [await web.user('user'), await web.user('user')]
  const pageA = await (await web.context()).newPage()
  const pageB = await (await web.context()).newPage()
  await signIn(pageA, ann.username)
  await signIn(pageB, bob.username)
  await see(card(pageA, 'Solaris'), '1 of 1 available')
  await see(card(pageB, 'Solaris'), '1 of 1 available')

  await card(pageA, 'Solaris').getByRole('button', { name: 'Rent Solaris' }).click()
  await see(card(pageA, 'Solaris').getByRole('status'), 'You rented')
  await see(card(pageB, 'Solaris'), 'Not available')
  t.pass('the other browser shows the book unavailable, without a reload')

  await card(pageB, 'Solaris').getByRole('button', { name: 'Rent Solaris' }).click()
  const refusal = card(pageB, 'Solaris').getByRole('alert')
  await refusal.waitFor()
  t.match(await refusal.textContent(), /cop(y|ies)|available/i, 'the refusal, in words')

  // A command from another client, not from a page: seen live all the same.
  const rentals = await web.app.inject({ url: '/api/rentals?status=open', headers: ann.auth })
  const rental = rentals.json().items[0]
  const back = await web.app.inject({
    method: 'POST',
    url: `/api/rentals/${rental.id}/return`,
    headers: ann.auth,
  })
  t.equal(back.statusCode, 200, 'returned through the API')
  await see(card(pageB, 'Solaris'), '1 of 1 available')
  t.pass('the page shows the copy back, without a reload')
})
