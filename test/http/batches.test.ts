// Commands in batches (issue 12, §4): what a wrong batcher would get wrong. Commands queued while a
// flush is in flight are decided together, each against the state the ones before it left, and
// each keeps its own answer; the log holds exactly the accepted ones.
import { sql } from 'kysely'
import t from 'tap'
import { batcherOf } from '../../src/commands/batcher.js'
import { forEachApp } from '../helpers/app.js'
import { waitFor } from '../helpers/processes.js'

forEachApp(t, async (t, { app, database, user, addBook }, backend) => {
  const db = database.db
  const staff = await user('staff')
  const rent = (who: { auth: object }, bookId: string, headers: object = {}) =>
    app.inject({
      method: 'POST',
      url: '/api/rentals',
      headers: { ...who.auth, ...headers },
      payload: { bookId },
    })

  await t.test('200 users rent a book with 50 copies at once: exactly 50 win', async (t) => {
    const book = await addBook(staff, { title: 'Fifty Copies', copies: 50 })
    const users = await Promise.all(Array.from({ length: 200 }, () => user()))
    const responses = await Promise.all(users.map((u) => rent(u, book.id)))
    const won = responses.filter((r) => r.statusCode === 201)
    t.equal(won.length, 50, 'fifty rentals')
    t.ok(
      responses.every((r) => r.statusCode === 201 || r.json().code === 'NO_COPY_AVAILABLE'),
      'every other one refused for want of a copy',
    )
    const last = won.map((r) => r.json().position as string).sort()
    const got = await app.inject({ url: `/api/books/${book.id}?minPosition=${last.at(-1)}` })
    t.equal(got.json().available, 0, 'no copy left')
    for (const [i, u] of users.entries()) {
      const r = responses[i]!
      const balance = await app.inject({
        url: `/api/me/balance?minPosition=${last.at(-1)}`,
        headers: u.auth,
      })
      const open = balance.json().openRentals.length
      if (open !== (r.statusCode === 201 ? 1 : 0)) t.fail(`user ${i} has ${open} open rentals`)
    }
    const { rows } = await sql<{ txs: number; events: number }>`
      SELECT count(DISTINCT transaction_id)::int AS txs, count(*)::int AS events
      FROM events WHERE type = 'BookRented' AND stream_id = ${`book-${book.id}`}`.execute(db)
    t.equal(rows[0]!.events, 50, 'fifty BookRented events')
    // PGlite runs its queries on this thread: nothing else arrives while a flush is in flight.
    if (backend === 'postgres') {
      t.ok(rows[0]!.txs < 50, `written by fewer commits than commands (${rows[0]!.txs})`)
    }
  })

  // A second session's lock on a book's stream row holds one flush in flight while the commands
  // under test queue behind it; PGlite has a single session, so these run on PostgreSQL only.
  if (backend !== 'postgres') return

  /** Runs `send` while a flush is held, once `queued` commands wait; then lets the flush go. */
  const inOneBatch = async <T>(queued: number, send: () => Promise<T>): Promise<T> => {
    const plug = await addBook(staff, { title: `Plug ${Math.random()}` })
    const plugger = await user()
    let release!: () => void
    const released = new Promise<void>((r) => {
      release = r
    })
    let locked!: () => void
    const isLocked = new Promise<void>((r) => {
      locked = r
    })
    const holder = db.transaction().execute(async (trx) => {
      await sql`SELECT 1 FROM streams WHERE stream_id = ${`book-${plug.id}`} FOR UPDATE`.execute(
        trx,
      )
      locked()
      await released
    })
    await isLocked
    const held = rent(plugger, plug.id)
    await waitFor('the held flush', async () => {
      const { rows } = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE wait_event_type = 'Lock' AND datname = current_database()`.execute(db)
      return rows[0]!.n > 0
    })
    const sent = send()
    await waitFor(`${queued} queued commands`, () => batcherOf(db).queued >= queued)
    release()
    await holder
    t.equal((await held).statusCode, 201, 'the held rent went through')
    return sent
  }

  await t.test('a mixed batch: each command gets its own status', async (t) => {
    const book = await addBook(staff, { title: 'Mixed Batch', copies: 2 })
    const [a, b, c, d, payer] = await Promise.all([user(), user(), user(), user(), user()])
    const returned = (await rent(d, book.id)).json()
    const back = await app.inject({
      method: 'POST',
      url: `/api/rentals/${returned.id}/return`,
      headers: d.auth,
    })
    t.equal(back.statusCode, 200)
    const pay = (userId: string, amountCents: number, key: string) =>
      app.inject({
        method: 'POST',
        url: '/api/payments',
        headers: { ...staff.auth, 'idempotency-key': key },
        payload: { userId, amountCents },
      })
    t.equal((await pay(payer.id, 100, 'desk-1')).statusCode, 201, 'the first payment')
    const before = await sql<{ n: number }>`SELECT count(*)::int AS n FROM events`.execute(db)
    const answers = await inOneBatch(7, () =>
      Promise.all([
        rent(a, book.id),
        rent(b, '00000000-0000-4000-8000-000000000000'),
        rent(b, book.id),
        app.inject({
          method: 'POST',
          url: `/api/rentals/${returned.id}/return`,
          headers: d.auth,
        }),
        rent(c, book.id),
        pay(payer.id, 250, 'desk-2'),
        pay('00000000-0000-4000-8000-000000000001', 250, 'desk-3'),
      ]),
    )
    t.same(
      answers.map((r) => [r.statusCode, r.statusCode < 300 ? 'ok' : r.json().code]),
      [
        [201, 'ok'],
        [404, 'BOOK_NOT_FOUND'],
        [201, 'ok'],
        [409, 'RENTAL_ALREADY_RETURNED'],
        [409, 'NO_COPY_AVAILABLE'],
        [201, 'ok'],
        [404, 'ACCOUNT_NOT_FOUND'],
      ],
      'each its own status',
    )
    const reused = await pay(payer.id, 999, 'desk-1')
    t.equal(reused.json().code, 'IDEMPOTENCY_KEY_REUSED', 'a reused key with another body')
    const { rows } = await sql<{ type: string; n: number }>`
      SELECT type, count(*)::int AS n FROM events
      WHERE transaction_id = (SELECT transaction_id FROM events
          WHERE data->>'paymentId' = ${answers[5]!.json().id})
      GROUP BY type ORDER BY type`.execute(db)
    t.same(
      rows,
      [
        { type: 'BookRented', n: 2 },
        { type: 'PaymentRecorded', n: 1 },
        { type: 'RentalOpened', n: 2 },
      ],
      'the accepted ones, written together in one transaction',
    )
    const after = await sql<{ n: number }>`SELECT count(*)::int AS n FROM events`.execute(db)
    t.equal(
      after.rows[0]!.n - before.rows[0]!.n,
      2 + 2 + 5,
      "nothing else but the plug's book and renter, and the held rent",
    )
  })

  await t.test('the same Idempotency-Key twice in one batch: one effect, one replay', async (t) => {
    const book = await addBook(staff, { title: 'Twice in a Batch', copies: 3 })
    const reader = await user()
    const key = { 'idempotency-key': 'same-batch' }
    const [first, second] = await inOneBatch(2, () =>
      Promise.all([rent(reader, book.id, key), rent(reader, book.id, key)]),
    )
    t.same([first!.statusCode, second!.statusCode], [201, 201], 'both answered 201')
    t.equal(first!.json().id, second!.json().id, 'with the same rental')
    t.same(
      [first!.headers['idempotent-replayed'], second!.headers['idempotent-replayed']].sort(),
      ['true', undefined],
      'one of them a replay',
    )
    const { rows } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM events
      WHERE type = 'BookRented' AND stream_id = ${`book-${book.id}`}`.execute(db)
    t.equal(rows[0]!.n, 1, 'one rental in the log')
  })
})
