// Anonymous reads are kept per read model and position (src/http/read-cache.ts). These tests change
// a read-model row behind the projection's back (no event, no progress notification): an anonymous
// reader keeps the rows already read until the read model's position moves, which drops them;
// signed-in callers and other values never share them.
import { sql } from 'kysely'
import t from 'tap'
import { bookAvailability } from '../../projections/book-availability/apply.js'
import { forEachApp } from '../helpers/app.js'

forEachApp(t, async (t, { app, user, addBook, database }) => {
  const staff = await user('staff')
  const book = await addBook(staff, { title: 'Aaa cached' })
  const titles = async (url: string, headers = {}) => {
    const res = await app.inject({ url, headers })
    t.equal(res.statusCode, 200, `GET ${url}`)
    return (res.json().items as { id: string; title: string }[]).map((b) => b.title)
  }
  const list = `/api/books?limit=50&minPosition=${book.position}`
  t.ok((await titles(list)).includes('Aaa cached'), 'the book is listed')
  await sql`UPDATE ${sql.id(bookAvailability.schema, 'books')} SET title = 'Aaa changed'
             WHERE book_id = ${book.id}`.execute(database.db)

  t.ok((await titles(list)).includes('Aaa cached'), 'an anonymous reader gets the rows kept')
  t.ok(
    (await titles(list, staff.auth)).includes('Aaa changed'),
    'a signed-in reader reads the read model itself',
  )
  t.ok(
    (await titles('/api/books?limit=49')).includes('Aaa changed'),
    'other values are another read',
  )
  const one = await app.inject({ url: `/api/books/${book.id}` })
  t.equal(one.json().title, 'Aaa changed', 'and so is another statement')

  const next = await addBook(staff, { title: 'Bbb after' })
  const after = await titles(`/api/books?limit=50&minPosition=${next.position}`)
  t.ok(after.includes('Aaa changed'), 'the read model moved on: the kept rows are dropped')
  t.ok(after.includes('Bbb after'), 'and the new book is listed')
  t.same(await titles(list), after, 'for every anonymous reader of that read')
})
