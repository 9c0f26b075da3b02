import t from 'tap'
import { forEachApp } from '../helpers/app.js'

const dune = {
  title: 'Dune',
  author: 'Frank Herbert',
  description: 'Spice and sand.',
  type: 'fiction',
  copies: 2,
}

forEachApp(t, async (t, { app, user }) => {
  const staff = await user('staff')
  const reader = await user('user')

  await t.test('staff add a book; anyone reads it after its position', async (t) => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/books',
      headers: staff.auth,
      payload: dune,
    })
    t.equal(res.statusCode, 201)
    const book = res.json()
    t.match(book, { ...dune, available: 2, id: String, position: /^[0-9a-f]{32}$/ })
    const got = await app.inject({ url: `/api/books/${book.id}?minPosition=${book.position}` })
    t.equal(got.statusCode, 200)
    t.same(got.json(), {
      ...dune,
      id: book.id,
      available: 2,
      isbn: null,
      coverUrl: null,
      retired: false,
    })
    t.ok(got.headers['x-ledger-position']! >= book.position, 'X-Ledger-Position covers the write')
  })

  await t.test('a second book with the same title and author is a 409', async (t) => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/books',
      headers: staff.auth,
      payload: { ...dune, title: '  dune ', copies: 1 },
    })
    t.equal(res.statusCode, 409)
    t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8')
    t.equal(res.json().code, 'BOOK_ALREADY_EXISTS')
  })

  await t.test('only staff add books', async (t) => {
    const anon = await app.inject({ method: 'POST', url: '/api/books', payload: dune })
    t.equal(anon.statusCode, 401)
    const user = await app.inject({
      method: 'POST',
      url: '/api/books',
      headers: reader.auth,
      payload: dune,
    })
    t.equal(user.statusCode, 403)
  })

  await t.test('list, filter and page', async (t) => {
    let position = ''
    for (const [title, type] of [
      ['A Wizard of Earthsea', 'novel'],
      ['Middlemarch', 'regular'],
      ['Beloved', 'novel'],
    ]) {
      const r = await app.inject({
        method: 'POST',
        url: '/api/books',
        headers: staff.auth,
        payload: { title, author: 'Someone', description: 'A book.', type },
      })
      t.equal(r.statusCode, 201)
      position = r.json().position
    }
    const first = await app.inject({ url: `/api/books?limit=2&minPosition=${position}` })
    t.equal(first.statusCode, 200)
    const p1 = first.json()
    t.same(
      p1.items.map((b: { title: string }) => b.title),
      ['A Wizard of Earthsea', 'Beloved'],
    )
    const second = await app.inject({ url: `/api/books?limit=2&cursor=${p1.nextCursor}` })
    t.same(
      second.json().items.map((b: { title: string }) => b.title),
      ['Dune', 'Middlemarch'],
    )
    t.equal(second.json().nextCursor, null)
    const novels = await app.inject({ url: '/api/books?type=novel' })
    t.equal(novels.json().items.length, 2)
    const q = await app.inject({ url: '/api/books?q=herb' })
    t.same(
      q.json().items.map((b: { title: string }) => b.title),
      ['Dune'],
    )
  })

  await t.test('PATCH changes copies and fields', async (t) => {
    const list = await app.inject({ url: '/api/books?q=Middlemarch' })
    const id = list.json().items[0].id
    const res = await app.inject({
      method: 'PATCH',
      url: `/api/books/${id}`,
      headers: staff.auth,
      payload: { copies: 4, description: 'A study of provincial life' },
    })
    t.equal(res.statusCode, 200)
    t.match(res.json(), { copies: 4, available: 4, description: 'A study of provincial life' })
    const missing = await app.inject({
      method: 'PATCH',
      url: '/api/books/00000000-0000-4000-8000-000000000000',
      headers: staff.auth,
      payload: { copies: 2 },
    })
    t.equal(missing.statusCode, 404)
  })

  await t.test('bad input is a 400 problem and changes nothing', async (t) => {
    for (const payload of [
      { ...dune, title: 'X', copies: 0 },
      { ...dune, title: 'Y', type: 'comic' },
      { ...dune, title: 'Z', extra: true },
      { ...dune, title: 'W', copies: '3' },
      { title: 'V' },
    ]) {
      const res = await app.inject({
        method: 'POST',
        url: '/api/books',
        headers: staff.auth,
        payload,
      })
      t.equal(res.statusCode, 400, JSON.stringify(payload))
      t.equal(res.json().code, 'VALIDATION_FAILED')
      t.ok(Array.isArray(res.json().errors), 'lists the failing fields')
    }
    const bad = await app.inject({ url: '/api/books/not-a-uuid' })
    t.equal(bad.statusCode, 400)
    const cursor = await app.inject({ url: '/api/books?cursor=garbage' })
    t.equal(cursor.statusCode, 400)
  })
})
