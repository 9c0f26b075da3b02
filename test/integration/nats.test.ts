// The NATS path end to end: relay and projection workers in the service process, fed by commands
// through the HTTP API; the read models then equal a rebuild from the log.
import { sql } from 'kysely'
import t from 'tap'
import { openTestDatabase, startTestApp } from '../helpers/app.js'
import { cleanupStream, freshPrefix, NATS_URL, natsTest, streamMessages } from '../helpers/nats.js'

natsTest(t, 'commands flow through JetStream into the read models', async (t) => {
  const prefix = freshPrefix()
  cleanupStream(t, prefix)
  const database = await openTestDatabase(t, 'postgres')
  const ctx = await startTestApp(t, database, { NATS_URL, NATS_PREFIX: prefix }, 'nats')
  const staff = await ctx.user('staff')
  const added = await ctx.app.inject({
    method: 'POST',
    url: '/api/books',
    headers: staff.auth,
    payload: {
      title: 'Kindred',
      author: 'Octavia E. Butler',
      description: 'A book.',
      type: 'novel',
      copies: 2,
    },
  })
  t.equal(added.statusCode, 201)
  const book = added.json()
  const got = await ctx.app.inject({ url: `/api/books/${book.id}?minPosition=${book.position}` })
  t.equal(got.statusCode, 200, 'the book arrives through the relay and the worker')
  t.equal(got.json().available, 2)
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM events`.execute(
    database.db,
  )
  const inStream = await streamMessages(prefix)
  t.equal(inStream, rows[0]!.n, 'every event of the log is in the stream')
  const ready = await ctx.app.inject({ url: '/readyz' })
  t.equal(ready.statusCode, 200)
  t.match(ready.json().checks, { database: 'ok', nats: 'ok' })
})
