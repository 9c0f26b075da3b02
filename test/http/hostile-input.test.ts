// Input that once reached PostgreSQL or Node's HTTP parser and came back as a 500 or as plain JSON
// (issue 11 §3): each is now refused at the door as problem+json with its own catalogue code, and
// appends nothing.
import type { AddressInfo } from 'node:net'
import { connect } from 'node:net'
import { sql } from 'kysely'
import t from 'tap'
import { isErrorCode } from '../../src/domain/errors.js'
import { encodeCursor } from '../../src/http/cursor.js'
import { forEachApp, openTestDatabase, startTestApp } from '../helpers/app.js'

const LONE_HIGH = '\ud800'
const LONE_LOW = '\udc00'

forEachApp(t, async (t, { app, user, database, addBook }) => {
  const staff = await user('staff')
  const reader = await user()
  const book = await addBook(staff, { title: 'Hostile Input' })
  const head = async () =>
    (await sql<{ n: number }>`SELECT count(*)::int AS n FROM events`.execute(database.db)).rows[0]!
      .n
  const before = await head()

  const cases: {
    name: string
    method?: 'GET' | 'POST' | 'PATCH'
    url: string
    as?: 'staff'
    headers?: Record<string, string>
    body?: string | object
    status: number
    code: string
  }[] = [
    {
      name: 'a books cursor whose id is not a UUID',
      url: `/api/books?cursor=${encodeCursor(['a', 'not-a-uuid'])}`,
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      name: 'a books cursor whose title holds NUL',
      url: `/api/books?cursor=${encodeCursor(['a\u0000', book.id])}`,
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    { name: 'NUL in q', url: '/api/books?q=a%00b', status: 400, code: 'VALIDATION_FAILED' },
    {
      name: 'a lone surrogate in a payment reference',
      method: 'POST',
      url: '/api/payments',
      as: 'staff',
      body: `{"userId": "${reader.id}", "amountCents": 100, "reference": "till \\ud800"}`,
      headers: { 'content-type': 'application/json' },
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      name: 'a lone surrogate in a book title',
      method: 'POST',
      url: '/api/books',
      as: 'staff',
      body: { title: `x${LONE_LOW}`, author: 'A', description: '', type: 'regular' },
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      name: 'a lone surrogate in a patched description',
      method: 'PATCH',
      url: `/api/books/${book.id}`,
      as: 'staff',
      body: { description: `${LONE_HIGH}tail` },
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      name: 'NUL in an export type filter',
      url: '/api/audit/events?type=BookAdded%00',
      as: 'staff',
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      name: 'NUL in an export stream filter',
      url: '/api/audit/events?streamId=book-%00',
      as: 'staff',
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      name: 'a body of the wrong media type',
      method: 'POST',
      url: '/api/payments',
      as: 'staff',
      headers: { 'content-type': 'text/plain' },
      body: 'amountCents=100',
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
    },
  ]

  for (const c of cases) {
    await t.test(c.name, async (t) => {
      const res = await app.inject({
        method: c.method ?? 'GET',
        url: c.url,
        headers: { ...(c.as === 'staff' ? staff : reader).auth, ...c.headers },
        ...(c.body !== undefined && { payload: c.body }),
      })
      t.equal(res.statusCode, c.status, res.body.slice(0, 300))
      t.match(res.headers['content-type'], /^application\/problem\+json/)
      t.equal(res.json().code, c.code)
    })
  }

  await t.test('astral characters (a surrogate pair) are text like any other', async (t) => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/payments',
      headers: staff.auth,
      payload: { userId: reader.id, amountCents: 1, reference: 'paid 📚' },
    })
    t.equal(res.statusCode, 201, res.body)
  })

  t.equal(await head(), before + 1, 'only the well-formed payment was appended')
})

/** Writes `text` on a raw socket to the app and reads until the server closes. */
function exchange(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text))
    let got = ''
    socket.on('data', (d) => {
      got += d
    })
    socket.on('close', () => resolve(got))
    socket.on('error', reject)
  })
}

function parse(response: string) {
  const [head = '', body = ''] = response.split('\r\n\r\n')
  return {
    status: Number(head.split(' ')[1]),
    type: /content-type: ([^\r]+)/i.exec(head)?.[1] ?? '',
    body: JSON.parse(body) as { code: string; status: number },
  }
}

t.test('errors of the HTTP parser are problem+json too', async (t) => {
  const database = await openTestDatabase(t, 'pglite')
  const { app } = await startTestApp(t, database, { REQUEST_TIMEOUT_MS: '1000' })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as AddressInfo

  const big = parse(
    await exchange(
      port,
      `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(60_000)}\r\n\r\n`,
    ),
  )
  t.equal(big.status, 431, 'a 60 KB header')
  t.match(big.type, /^application\/problem\+json/)
  t.same([big.body.code, big.body.status], ['HEADERS_TOO_LARGE', 431])
  t.ok(isErrorCode(big.body.code))

  // A body that never finishes arriving: the socket is answered and closed, not held.
  const stalled = parse(
    await exchange(
      port,
      'POST /api/auth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
        'Content-Length: 100\r\n\r\n{"username":',
    ),
  )
  t.equal(stalled.status, 408, 'a stalled body')
  t.same([stalled.body.code, stalled.body.status], ['REQUEST_TIMEOUT', 408])

  const garbage = parse(await exchange(port, 'NOT HTTP AT ALL\r\n\r\n'))
  t.equal(garbage.status, 400, 'bytes that are not HTTP')
  t.equal(garbage.body.code, 'VALIDATION_FAILED')
})
