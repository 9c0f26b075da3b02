// Commands in batches (issue 12, §4): what a wrong batcher would get wrong. Commands queued while
// flushes are in flight are decided together, each against the state the ones before it left, and
// each keeps its own answer; the log holds exactly the accepted ones. Two flushes may be in flight,
// never on one stream, and each stream's commands are written in arrival order.
import { sql } from 'kysely'
import t from 'tap'
import { batcherOf } from '../../src/commands/batcher.js'
import { concurrencyRetries } from '../../src/metrics.js'
import { forEachApp } from '../helpers/app.js'
import { waitFor } from '../helpers/processes.js'

/** Commands this process decided again because a stream moved under them, so far. */
const retriesSoFar = async () =>
  (await concurrencyRetries.get()).values.reduce((n, v) => n + v.value, 0)

forEachApp(t, async (t, { app, config, database, user, addBook }, backend) => {
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

  await t.test(
    'flushes in flight never share a stream: the last copies, unrelated rents beside them',
    async (t) => {
      const book = await addBook(staff, { title: 'Last Copies', copies: 10 })
      const others = await Promise.all(
        Array.from({ length: 20 }, (_, i) => addBook(staff, { title: `Beside ${i}`, copies: 1 })),
      )
      const renters = await Promise.all(Array.from({ length: 60 }, () => user()))
      const bystanders = await Promise.all(others.map(() => user()))
      const retries = await retriesSoFar()
      const [onBook, beside] = await Promise.all([
        Promise.all(renters.map((u) => rent(u, book.id))),
        Promise.all(bystanders.map((u, i) => rent(u, others[i]!.id))),
      ])
      const won = onBook.filter((r) => r.statusCode === 201)
      t.equal(won.length, 10, 'ten rentals of the ten copies')
      t.ok(
        onBook.every((r) => r.statusCode === 201 || r.json().code === 'NO_COPY_AVAILABLE'),
        'every other one refused for want of a copy',
      )
      t.ok(
        beside.every((r) => r.statusCode === 201),
        'every unrelated rent went through',
      )
      // In one process, only two flushes in flight on one stream can make a flush lose its stream.
      t.equal(await retriesSoFar(), retries, 'no command decided again')
      const last = [...onBook, ...beside]
        .filter((r) => r.statusCode === 201)
        .map((r) => r.json().position as string)
        .sort()
        .at(-1)!
      const got = await app.inject({ url: `/api/books/${book.id}?minPosition=${last}` })
      t.equal(got.json().available, 0, 'no copy left')
      for (const [i, u] of renters.entries()) {
        const balance = await app.inject({
          url: `/api/me/balance?minPosition=${last}`,
          headers: u.auth,
        })
        const open = balance.json().openRentals.length
        if (open !== (onBook[i]!.statusCode === 201 ? 1 : 0)) t.fail(`renter ${i} has ${open} open`)
      }
    },
  )

  // A second session's lock on a stream row holds a flush in flight while the commands under test
  // queue behind it; PGlite has a single session, so these run on PostgreSQL only.
  if (backend !== 'postgres') return

  const lockWaits = async () => {
    const { rows } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE wait_event_type = 'Lock' AND datname = current_database()`.execute(db)
    return rows[0]!.n
  }

  /** Locks a stream's row from a session of the test's own until the returned function is called. */
  const lockStream = async (streamId: string): Promise<() => Promise<void>> => {
    let release!: () => void
    const released = new Promise<void>((r) => {
      release = r
    })
    let locked!: () => void
    const isLocked = new Promise<void>((r) => {
      locked = r
    })
    const holder = db.transaction().execute(async (trx) => {
      await sql`SELECT 1 FROM streams WHERE stream_id = ${streamId} FOR UPDATE`.execute(trx)
      locked()
      await released
    })
    await Promise.race([isLocked, holder])
    return async () => {
      release()
      await holder
    }
  }

  /** A flush held in flight: a rent of a new book whose stream row is locked. */
  const plugFlush = async () => {
    const plug = await addBook(staff, { title: `Plug ${Math.random()}` })
    const plugger = await user()
    const waiting = await lockWaits()
    const unlock = await lockStream(`book-${plug.id}`)
    const held = rent(plugger, plug.id)
    await waitFor('the held flush', async () => (await lockWaits()) > waiting)
    return { bookId: plug.id, plugger, held, unlock }
  }

  /** Runs `send` while every flush that may be in flight is held, once `queued` commands wait;
   * then lets the flushes go. */
  const inOneBatch = async <T>(queued: number, send: () => Promise<T>): Promise<T> => {
    const plugs = []
    for (let i = 0; i < config.COMMAND_FLUSHES_IN_FLIGHT; i++) plugs.push(await plugFlush())
    const sent = send()
    await waitFor(`${queued} queued commands`, () => batcherOf(db).queued >= queued)
    for (const plug of plugs) await plug.unlock()
    for (const plug of plugs) t.equal((await plug.held).statusCode, 201, 'a held rent went through')
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
      config.COMMAND_FLUSHES_IN_FLIGHT * (2 + 2) + 5,
      "nothing else but the accepted ones, the plugs' books and renters, and their held rents",
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

  await t.test(
    'a held stream holds its commands, and the commands behind them on their streams, in order',
    async (t) => {
      const plug = await plugFlush()
      const [x, y] = await Promise.all([user(), user()])
      const [other, unrelated] = await Promise.all([
        addBook(staff, { title: 'Behind the Held One' }),
        addBook(staff, { title: 'Nothing Held Here' }),
      ])
      // x's rent of the held book waits for its flush; x's rent of another book touches x's account,
      // a stream of that waiting command, so it waits behind it.
      const first = rent(x, plug.bookId)
      await waitFor('the rent of the held book queued', () => batcherOf(db).queued >= 1)
      const second = rent(x, other.id)
      await waitFor('the rent behind it queued', () => batcherOf(db).queued >= 2)
      const beside = await rent(y, unrelated.id)
      t.equal(beside.statusCode, 201, 'a rent on other streams went through meanwhile')
      t.equal(batcherOf(db).queued, 2, 'both of x’s rents still wait')
      await plug.unlock()
      const answers = await Promise.all([plug.held, first, second])
      t.same(
        answers.map((r) => r.statusCode),
        [201, 409, 201],
        'the plug got the one copy, x none of it, then x the other book',
      )
      const positions = [answers[0]!, answers[2]!].map((r) => r.json().position as string)
      t.ok(positions[0]! < positions[1]!, 'the held rent is before the one that waited behind it')
      const { rows } = await sql<{ type: string; stream_id: string }>`
      SELECT type, stream_id FROM events WHERE stream_id = ${`account-${x.id}`}
      ORDER BY transaction_id, global_position`.execute(db)
      t.same(
        rows.map((r) => r.type),
        ['UserRegistered', 'RentalOpened'],
        'x’s account: only the rent that could go',
      )
    },
  )

  await t.test(
    'the same Idempotency-Key on other streams never goes into a concurrent flush',
    async (t) => {
      const [a, b] = await Promise.all([user(), user()])
      const pay = (userId: string) =>
        app.inject({
          method: 'POST',
          url: '/api/payments',
          headers: { ...staff.auth, 'idempotency-key': 'one-key-two-accounts' },
          payload: { userId, amountCents: 300 },
        })
      const waiting = await lockWaits()
      const unlock = await lockStream(`account-${a.id}`)
      const first = pay(a.id)
      await waitFor('the first payment held', async () => (await lockWaits()) > waiting)
      const second = pay(b.id)
      await waitFor('the second one queued', () => batcherOf(db).queued >= 1)
      await unlock()
      const [one, two] = await Promise.all([first, second])
      t.equal(one.statusCode, 201, 'the first use of the key is the one that counts')
      t.equal(
        two.json().code,
        'IDEMPOTENCY_KEY_REUSED',
        'the second, with another body, is refused',
      )
      const { rows } = await sql<{ stream_id: string }>`
      SELECT stream_id FROM events WHERE type = 'PaymentRecorded'
        AND stream_id IN (${`account-${a.id}`}, ${`account-${b.id}`})`.execute(db)
      t.same(
        rows.map((r) => r.stream_id),
        [`account-${a.id}`],
        'one payment, on the first account',
      )
    },
  )
})
