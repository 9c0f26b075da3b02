// Books on the old service's /api/<version>/books/ paths: the list with its filters, create,
// detail, update and delete (a retirement), with the old shape and the old error keys.
import t from 'tap'
import { forEachApp } from '../helpers/app.js'
import { appendsNothing, oldError, PROBLEM, sender, UNKNOWN } from '../helpers/seed.js'

type SeedBook = { id: string; name: string; book_type: number; image: string | null }

forEachApp(t, async (t, { app, user, addBook, database }) => {
  const staff = await user('staff')
  const alice = await user('user')
  const send = sender({ app })
  const list = async (query: string, headers = staff.auth) => {
    const res = await send('GET', `/api/v1/books/${query}`, headers)
    if (res.statusCode !== 200) throw new Error(`listing ${query}: ${res.statusCode} ${res.body}`)
    return (res.json() as SeedBook[]).map((b) => b.name)
  }

  await t.test('staff add a book in the old shape and read it at once', async (t) => {
    const book = { name: 'Solaris', description: 'An ocean that thinks.', author: 'Stanisław Lem' }
    const res = await send('POST', '/api/v2/books/', staff.auth, { ...book, book_type: 2 })
    t.equal(res.statusCode, 201)
    t.match(res.json(), { ...book, id: String, book_type: 2, image: null, position: String })
    const id = res.json().id
    // No minPosition: a caller's queries reflect the caller's own commands.
    const one = await send('GET', `/api/v3/books/${id}`, staff.auth)
    t.equal(one.statusCode, 200)
    t.same(one.json(), [{ ...book, id, book_type: 2, image: null }], 'a one-element list')
    t.ok((await list('')).includes('Solaris'), 'listed at once')
    const anyone = await send('GET', `/api/v1/books/${id}/?minPosition=${res.json().position}`)
    t.equal(anyone.statusCode, 200, 'anyone reads it (with a slash)')

    const plain = await send('POST', '/api/v1/books', staff.auth, {
      name: 'Roadside Picnic',
      description: 'The Zone and its stalkers.',
      author: 'Arkady and Boris Strugatsky',
      image: 'https://covers.example.com/picnic.jpg',
    })
    t.equal(plain.statusCode, 201, 'without the slash')
    t.match(plain.json(), { book_type: 1, image: 'https://covers.example.com/picnic.jpg' })
    const full = await send('GET', `/api/books/${plain.json().id}`, staff.auth)
    t.match(full.json(), {
      type: 'regular',
      copies: 1,
      coverUrl: 'https://covers.example.com/picnic.jpg',
    })
  })

  await t.test('creating refuses in the old words and appends nothing', async (t) => {
    const good = {
      name: 'Kindred',
      description: 'Dana is pulled back in time.',
      author: 'Octavia E. Butler',
    }
    const create = (body: object, headers: Record<string, string> = staff.auth) =>
      send('POST', '/api/v1/books/', headers, body)
    await appendsNothing(t, database, async () => {
      oldError(t, await create({ ...good, name: 'N'.repeat(51) }), 400, {
        name: ['Ensure this field has no more than 50 characters.'],
      })
      oldError(t, await create({ ...good, description: 'D'.repeat(501) }), 400, {
        description: ['Ensure this field has no more than 500 characters.'],
      })
      oldError(t, await create({ ...good, book_type: 4 }), 400, {
        book_type: ['This is not a valid choice.'],
      })
      oldError(t, await create({ ...good, image: 'ftp://covers.example.com/x.jpg' }), 400, {
        image: ['Enter a valid value.'],
      })
      oldError(t, await create({ name: 'Only a name' }), 400, {
        description: ['This field is required.'],
        author: ['This field is required.'],
      })
      oldError(t, await create({ ...good, name: 'Solaris', author: 'Stanisław Lem' }), 400, {
        name: ['A book with this name by this author already exists.'],
      })
      const blank = await create({ ...good, name: '   ' })
      oldError(t, blank, 400, { non_field_errors: [blank.json().detail] })
      const user = await create(good, alice.auth)
      t.equal(user.statusCode, 403, 'a user may not add books')
      t.equal(user.headers['content-type'], PROBLEM)
      t.equal((await create(good, {})).statusCode, 401)
    })
  })

  await t.test(
    'the list filters by name, author and book_type; empty ones filter nothing',
    async (t) => {
      await addBook(staff, { title: 'Ubik', author: 'Philip K. Dick', type: 'novel' })
      await addBook(staff, { title: 'Valis', author: 'Philip K. Dick', type: 'fiction' })
      const all = await list('')
      t.ok(all.includes('Ubik') && all.includes('Valis') && all.includes('Solaris'))
      t.same(await list('?name=UBI'), ['Ubik'], 'a part of the title, any case')
      t.same(await list('?author=k.%20dick'), ['Ubik', 'Valis'], 'a part of the author')
      t.same(await list('?author=dick&book_type=3'), ['Ubik'], 'and the type')
      t.same(await list('?name=&description=&book_type='), all, "the old catalogue page's query")
      t.same(await list('?description=whatever'), all, 'description is ignored')
      t.same(await list('?name=%25'), [], 'no wildcards of its own')
      const bad = await send('GET', '/api/v1/books/?book_type=9')
      oldError(t, bad, 400, { book_type: ['Enter a valid value.'] })
    },
  )

  await t.test('a book is read by id; unknown, old and retired ids are 404', async (t) => {
    const gone = await addBook(staff, { title: 'Gone' })
    t.equal((await send('DELETE', `/api/v2/books/${gone.id}/delete`, staff.auth)).statusCode, 204)
    for (const id of [UNKNOWN, '12', gone.id]) {
      const res = await send('GET', `/api/v1/books/${id}`, staff.auth)
      t.equal(res.statusCode, 404, id)
      t.equal(res.json().code, 'BOOK_NOT_FOUND')
    }
  })

  await t.test('PUT and PATCH change a book (staff)', async (t) => {
    const book = await addBook(staff, { title: 'Old Title', type: 'regular' })
    const url = `/api/v1/books/${book.id}/update`
    const put = await send('PUT', url, staff.auth, { name: 'New Title', book_type: 3 })
    t.equal(put.statusCode, 200)
    t.match(put.json(), { id: book.id, name: 'New Title', book_type: 3, position: String })
    const patch = await send('PATCH', `${url}/`, staff.auth, {
      image: 'https://covers.example.com/new.png',
    })
    t.equal(patch.statusCode, 200, 'with a slash')
    t.match(patch.json(), { name: 'New Title', image: 'https://covers.example.com/new.png' })
    t.match((await send('GET', `/api/v1/books/${book.id}`, staff.auth)).json(), [
      { name: 'New Title', book_type: 3, image: 'https://covers.example.com/new.png' },
    ])
    await appendsNothing(t, database, async () => {
      t.equal((await send('PATCH', url, alice.auth, { name: 'Mine' })).statusCode, 403)
      t.equal((await send('PATCH', url, {}, { name: 'Mine' })).statusCode, 401)
      oldError(t, await send('PATCH', url, staff.auth, { copies: 3 }), 400, {
        copies: ['This field is not accepted here.'],
      })
      const unknown = await send('PUT', `/api/v1/books/${UNKNOWN}/update`, staff.auth, {
        name: 'X',
      })
      t.equal(unknown.statusCode, 404)
    })
  })

  await t.test('DELETE retires a book: 204, out of the list, never with copies out', async (t) => {
    const book = await addBook(staff, { title: 'Retiring' })
    const rented = await send('POST', '/api/v1/book_rentals/create', alice.auth, { book: book.id })
    t.equal(rented.statusCode, 201)
    const url = `/api/v3/books/${book.id}/delete`
    await appendsNothing(t, database, async () => {
      t.equal((await send('DELETE', url, alice.auth)).statusCode, 403)
      t.equal((await send('DELETE', url)).statusCode, 401)
      const out = await send('DELETE', url, staff.auth)
      oldError(t, out, 409, { non_field_errors: [out.json().detail] })
      t.equal(out.json().code, 'BOOK_RENTED_OUT')
    })
    const ref = rented.json().ref
    t.equal(
      (await send('PUT', `/api/v1/book_rentals/${ref}/update`, alice.auth, { status: 1 }))
        .statusCode,
      200,
    )
    const res = await send('DELETE', url, staff.auth)
    t.equal(res.statusCode, 204)
    t.equal(res.body, '', 'no body')
    t.notOk((await list('')).includes('Retiring'), 'gone from the list')
    const full = await send('GET', `/api/books/${book.id}`, staff.auth)
    t.match(full.json(), { retired: true }, 'retired, as DELETE /api/books/:id does')
    t.equal((await send('DELETE', `${url}/`, staff.auth)).statusCode, 204, 'again: still 204')
    t.equal((await send('DELETE', `/api/v1/books/${UNKNOWN}/delete`, staff.auth)).statusCode, 404)
  })
})
