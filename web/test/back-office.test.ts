// The back office beyond flow 2: the catalogue editor's refusals (copies below those out, an image
// that is not one, retiring a book with a copy out) in words beside the action, an edit, a linked
// cover that fails to load (the title shows), a retirement; the desk's checkout refused at the
// rental limit, and done with the keyboard alone; rentals filtered by customer and by book;
// payments of one customer, and one recorded from the payments page.
import type { Page } from 'playwright-core'
import t from 'tap'
import type { TestUser } from '../../test/helpers/app.js'
import { waitFor } from '../../test/helpers/processes.js'
import { card, see, shot, signIn, startWeb, tabTo } from './browser.js'

t.test('the catalogue editor, the desk, the rentals and payments lists', async (t) => {
  const web = await startWeb(t)
  const staff = await web.user('staff')
  const [ann, bob] = [await web.user('user', 'ann-reader'), await web.user('user', 'bob-reader')]
  const kindred = await web.addBook(staff, { title: 'Kindred', author: 'Butler', copies: 1 })
  const wildSeed = await web.addBook(staff, { title: 'Wild Seed', author: 'Butler', copies: 3 })
  const parable = await web.addBook(staff, { title: 'Parable', author: 'Butler', copies: 10 })
  await web.addBook(staff, { title: 'Fledgling', author: 'Butler', copies: 1 })
  const rent = async (who: TestUser, bookId: string) => {
    const res = await web.app.inject({
      method: 'POST',
      url: '/api/rentals',
      headers: who.auth,
      payload: { bookId },
    })
    t.equal(res.statusCode, 201, 'rented through the API')
  }
  await rent(ann, kindred.id)
  await rent(ann, wildSeed.id)
  await rent(bob, wildSeed.id)
  for (let i = 0; i < 3; i++) await rent(ann, parable.id) // ann: 5 open, the limit

  const page = await (await web.context()).newPage()
  await signIn(page, staff.username)
  await page.goto('/admin/books')
  const open = async (title: string) => {
    const c = card(page, title)
    await c.getByText(`Edit “${title}”`).click()
    return c
  }

  await t.test('the editor: refusals in words, an edit, a retirement', async (t) => {
    const seed = await open('Wild Seed')
    const edit = seed.getByRole('form', { name: 'Edit Wild Seed' })
    await edit.getByLabel('Copies').fill('1')
    await edit.getByRole('button', { name: 'Save' }).click()
    t.match(await alertText(edit), /cop(y|ies)/i, 'fewer copies than are out: refused, in words')
    await edit.getByLabel('Copies').fill('4')
    await edit.getByRole('button', { name: 'Save' }).click()
    await see(seed, '2 of 4 available')
    t.pass('more copies: saved, and the card shows them')

    // A cover linked from elsewhere that fails to load: the title stands in its place.
    const nowhere = 'http://127.0.0.1:9/no-such-cover.png'
    await edit.getByLabel('Cover URL').fill(nowhere)
    // The card shows the title in place of a cover now; once saved, a new cover element replaces
    // it (an image that fails to load), and the title takes its place again.
    const before = await seed.locator('.cover.placeholder').elementHandle()
    const saved = page.waitForResponse(
      (r) => r.request().method() === 'PATCH' && r.url().endsWith(`/api/books/${wildSeed.id}`),
    )
    await edit.getByRole('button', { name: 'Save' }).click()
    t.equal((await saved).status(), 200, 'the linked cover is saved')
    // (Locators and handles, not waitForFunction: its string predicate is eval'd, which the
    // app's CSP forbids.)
    await waitFor('the cover to be drawn again', async () => {
      return !(await before!.evaluate((el) => el.isConnected))
    })
    await seed
      .locator('.cover.placeholder')
      .filter({ hasText: /^Wild Seed$/ })
      .waitFor()
    t.equal(
      await seed.locator('img').count(),
      0,
      'a cover that fails to load: the title shows instead',
    )

    const cover = seed.getByRole('form', { name: 'Cover of Wild Seed' })
    await cover.getByLabel('Cover image').setInputFiles({
      name: 'cover.png',
      mimeType: 'image/png',
      buffer: Buffer.from('not a picture at all'),
    })
    await cover.getByRole('button', { name: 'Upload the cover' }).click()
    t.match(await alertText(cover), /not a image\/png image/, 'a file that is no image: refused')

    const k = await open('Kindred')
    await k.getByRole('button', { name: 'Retire Kindred' }).click()
    await k.getByRole('button', { name: 'Yes, retire it' }).click()
    t.match(await alertText(k), /rent|out/i, 'a book with a copy out cannot be retired')

    const f = await open('Fledgling')
    await f.getByRole('button', { name: 'Retire Fledgling' }).click()
    await shot(page, 'staff-retire')
    await f.getByRole('button', { name: 'Yes, retire it' }).click()
    await f.waitFor({ state: 'detached' })
    t.pass('a retired book leaves the list')
  })

  await t.test('the desk shows the rental limit in words', async (t) => {
    await page.goto(`/admin/users/${ann.id}`)
    const checkout = page.getByRole('form', { name: 'Check a book out' })
    await checkout.getByRole('button', { name: 'Check out' }).click()
    t.match(await alertText(checkout), /choose a book/i, 'no book chosen yet: said so')
    await checkout.getByLabel('Find a book').fill('parable')
    await checkout.getByRole('button', { name: /^Parable by Butler/ }).click()
    await checkout.getByRole('button', { name: 'Check out' }).click()
    t.match(
      await alertText(checkout),
      /at most 5 rentals may be open/i,
      'a sixth open rental: refused',
    )
  })

  await t.test('the desk by keyboard alone: find a book, choose it, check it out', async (t) => {
    await page.goto(`/admin/users/${bob.id}`)
    await page.getByRole('heading', { level: 1 }).waitFor()
    await tabTo(page, 'Find a book')
    await page.keyboard.type('parable')
    const match = page.getByRole('button', { name: /^Parable by Butler/ })
    await match.waitFor()
    await tabTo(page, (await match.textContent()) ?? '')
    await page.keyboard.press('Enter')
    await see(page.getByRole('form', { name: 'Check a book out' }), 'Book: Parable')
    await tabTo(page, 'Check out')
    await page.keyboard.press('Enter')
    await see(page.getByRole('status'), 'Checked out “Parable”')
    await see(page.getByRole('table', { name: 'Open rentals' }), 'Parable')
    t.pass('checked out with the keyboard alone')
  })

  await t.test('rentals by customer and by book', async (t) => {
    await page.goto('/admin/rentals')
    const table = page.getByRole('table', { name: 'Rentals' })
    await see(table, 'Kindred')
    const filters = page.getByRole('form', { name: 'Filter rentals' })
    await filters.getByLabel('Find a customer').fill('bob-reader')
    await filters.getByRole('button', { name: 'bob-reader' }).click()
    await table.getByRole('row').filter({ hasText: 'Kindred' }).waitFor({ state: 'detached' })
    t.same(
      (await bodyRows(page)).sort(),
      ['Parable bob-reader', 'Wild Seed bob-reader'],
      "bob's two rentals (one from the desk)",
    )
    await filters.getByRole('button', { name: 'Change the customer' }).click()
    await filters.getByLabel('Find a book').fill('wild')
    await filters.getByRole('button', { name: /^Wild Seed by Butler/ }).click()
    await table.getByRole('row').filter({ hasText: 'Kindred' }).waitFor({ state: 'detached' })
    t.same(
      (await bodyRows(page)).sort(),
      // A customer the page has not listed yet is named by id (rentals carry no username).
      [`Wild Seed ${ann.id}`, 'Wild Seed bob-reader'].sort(),
      "Wild Seed's two rentals, whoever rented them",
    )
    await filters.getByLabel('Status').selectOption('returned')
    await see(page.getByRole('main'), 'No rentals.')
    t.pass('and none of them returned')
    await shot(page, 'staff-rentals-filtered')
  })

  await t.test('payments: one recorded for a chosen customer, then listed', async (t) => {
    await page.goto('/admin/payments')
    await page.getByLabel('Find a customer').fill('ann')
    await page.getByRole('button', { name: 'ann-reader' }).click()
    const pay = page.getByRole('form', { name: 'Record a payment' })
    await pay.getByLabel('Amount').fill('abc')
    await pay.getByRole('button', { name: 'Record payment' }).click()
    t.match(await alertText(pay), /amount/i, 'not an amount: said so')
    await pay.getByLabel('Amount').fill('5')
    await pay.getByRole('button', { name: 'Record payment' }).click()
    await see(pay.getByRole('status'), 'Recorded $5.00 from ann-reader')
    await see(page.getByRole('table', { name: 'Payments' }), '$5.00')
    await page.getByRole('button', { name: 'Change the customer' }).click()
    await see(page.getByRole('heading', { level: 2 }), 'Every payment')
    await see(page.getByRole('table', { name: 'Payments' }).getByRole('row'), /ann-reader.*\$5\.00/)
    t.pass('every payment, with who paid')
  })
})

/** The text of the refusal shown in `scope`, once it shows. */
async function alertText(scope: ReturnType<Page['locator']>): Promise<string> {
  const alert = scope.getByRole('alert')
  await alert.waitFor()
  return (await alert.textContent()) ?? ''
}

/** The rentals table's rows as "book customer". */
async function bodyRows(page: Page): Promise<string[]> {
  const rows = page.getByRole('table', { name: 'Rentals' }).locator('tbody tr')
  const out: string[] = []
  for (const row of await rows.all()) {
    const cells = await row.getByRole('cell').allTextContents()
    out.push(`${cells[0]} ${cells[1]}`)
  }
  return out
}
