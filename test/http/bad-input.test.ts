// Bad input of every kind gets a 4xx problem+json, never a 500, and appends nothing.
import { sql } from 'kysely'
import t from 'tap'
import { forEachApp } from '../helpers/app.js'

forEachApp(t, async (t, { app, user, database, addBook }) => {
  const staff = await user('staff')
  const reader = await user()
  const book = await addBook(staff, { title: 'Bad Input', copies: 2 })
  const events = async () =>
    (await sql<{ n: number }>`SELECT count(*)::int AS n FROM events`.execute(database.db)).rows[0]!
      .n
  const before = await events()

  const json = { 'content-type': 'application/json' }
  const cases: {
    name: string
    method?: 'GET' | 'POST' | 'PATCH'
    url: string
    as?: 'staff'
    headers?: Record<string, string>
    body?: string | object
    status: number
  }[] = [
    {
      name: 'malformed JSON',
      method: 'POST',
      url: '/api/rentals',
      headers: json,
      body: '{"bookId": ',
      status: 400,
    },
    {
      name: 'malformed JSON (staff)',
      method: 'POST',
      url: '/api/books',
      as: 'staff',
      headers: json,
      body: '{title:',
      status: 400,
    },
    {
      name: 'JSON that is not an object',
      method: 'POST',
      url: '/api/payments',
      as: 'staff',
      headers: json,
      body: '[1,2]',
      status: 400,
    },
    {
      name: 'a string for an integer',
      method: 'POST',
      url: '/api/payments',
      as: 'staff',
      body: { amountCents: '100' },
      status: 400,
    },
    {
      name: 'a fraction of a cent',
      method: 'POST',
      url: '/api/payments',
      as: 'staff',
      body: { amountCents: 1.5 },
      status: 400,
    },
    {
      name: 'zero amount',
      method: 'POST',
      url: '/api/payments',
      as: 'staff',
      body: { amountCents: 0 },
      status: 400,
    },
    {
      name: 'negative amount',
      method: 'POST',
      url: '/api/payments',
      as: 'staff',
      body: { amountCents: -500 },
      status: 400,
    },
    {
      name: 'an amount beyond safe integers',
      method: 'POST',
      url: '/api/payments',
      as: 'staff',
      body: { amountCents: 2 ** 60 },
      status: 400,
    },
    {
      name: 'an unknown field',
      method: 'POST',
      url: '/api/payments',
      as: 'staff',
      body: { amountCents: 100, tip: 5 },
      status: 400,
    },
    {
      name: 'a number for an id',
      method: 'POST',
      url: '/api/rentals',
      body: { bookId: 123 },
      status: 400,
    },
    {
      name: 'an id that is not a UUID',
      method: 'POST',
      url: '/api/rentals',
      body: { bookId: 'dune' },
      status: 400,
    },
    {
      name: 'NUL in a title',
      method: 'POST',
      url: '/api/books',
      as: 'staff',
      body: { title: 'a\u0000b', author: 'x', description: 'A book.', type: 'regular' },
      status: 400,
    },
    {
      name: 'copies zero',
      method: 'PATCH',
      url: `/api/books/${book.id}`,
      as: 'staff',
      body: { copies: 0 },
      status: 400,
    },
    {
      name: 'an empty patch',
      method: 'PATCH',
      url: `/api/books/${book.id}`,
      as: 'staff',
      body: {},
      status: 400,
    },
    { name: 'a path id that is not a UUID', url: '/api/books/not-a-uuid', status: 400 },
    { name: 'a rental id that is not a UUID', url: '/api/rentals/42', status: 400 },
    {
      name: 'returning a non-UUID rental',
      method: 'POST',
      url: '/api/rentals/42/return',
      status: 400,
    },
    { name: 'a balance of a non-UUID user', url: '/api/users/me/balance', status: 400 },
    {
      name: 'a seed balance of an old integer id (ids are UUIDs: no such user)',
      url: '/api/v1/book_rentals/users/balance/7',
      status: 404,
    },
    { name: 'an unknown seed version', url: '/api/v9/books/', status: 400 },
    { name: 'asOf that does not parse', url: '/api/me/balance?asOf=yesterday', status: 400 },
    {
      name: 'asOf on a day that does not exist',
      url: '/api/me/balance?asOf=2026-02-30T00:00:00Z',
      status: 400,
    },
    { name: 'minPosition that is not a position', url: '/api/books?minPosition=xyz', status: 400 },
    { name: 'a limit out of range', url: '/api/books?limit=100000', status: 400 },
    { name: 'a cursor we never issued', url: '/api/rentals?cursor=AAAA', status: 400 },
    { name: 'an unknown query parameter', url: '/api/books?color=red', status: 400 },
    {
      name: 'an export from a time that does not parse',
      url: '/api/audit/events?from=soon',
      as: 'staff',
      status: 400,
    },
    {
      name: 'an export after a non-position',
      url: '/api/audit/events?after=zzz',
      as: 'staff',
      status: 400,
    },
    {
      name: 'a body of the wrong media type',
      method: 'POST',
      url: '/api/payments',
      as: 'staff',
      headers: { 'content-type': 'text/plain' },
      body: 'amountCents=100',
      status: 415,
    },
    {
      name: 'an Idempotency-Key that is too long',
      method: 'POST',
      url: '/api/payments',
      as: 'staff',
      headers: { 'idempotency-key': 'k'.repeat(300) },
      body: { amountCents: 100 },
      status: 400,
    },
    {
      name: 'a 10 MB body',
      method: 'POST',
      url: '/api/payments',
      as: 'staff',
      headers: json,
      body: JSON.stringify({ amountCents: 1, reference: 'x'.repeat(10 * 1024 * 1024) }),
      status: 413,
    },
  ]

  for (const c of cases) {
    await t.test(c.name, async (t) => {
      const auth = (c.as === 'staff' ? staff : reader).auth
      const res = await app.inject({
        method: c.method ?? 'GET',
        url: c.url,
        headers: { ...auth, ...c.headers },
        ...(c.body !== undefined && { payload: c.body }),
      })
      t.equal(res.statusCode, c.status, res.body.slice(0, 200))
      t.match(res.headers['content-type'], /^application\/problem\+json/)
      const problem = res.json()
      t.match(problem, { type: String, title: String, status: c.status, detail: String })
      t.notMatch(res.body, /at \w+ \(|node_modules|\.ts:\d+/, 'no stack trace or internals')
    })
  }

  t.equal(await events(), before, 'nothing was appended by any of them')
})
