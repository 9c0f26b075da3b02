import { randomUUID } from 'node:crypto'
import { sql } from 'kysely'
import t from 'tap'
import type { Database } from '../../src/db/database.js'
import {
  appendToStreams,
  assertXidHorizon,
  ConcurrencyError,
  type NewEvent,
  PartialDuplicateError,
  readLog,
  START,
  XidHorizonError,
} from '../../src/eventstore/index.js'
import { loadStream, loadStreams } from '../../src/eventstore/streams.js'
import { forEachBackend, settledLog } from '../helpers/db.js'
import { deferred } from '../helpers/deferred.js'
import { waitFor } from '../helpers/processes.js'

const ev = (type = 'Tested', data: unknown = {}): NewEvent => ({
  eventId: randomUUID(),
  type,
  data,
})

async function append(
  d: Database,
  streamId: string,
  expectedVersion: number,
  events: NewEvent[],
  callerChosenIds = false,
) {
  return d.db
    .transaction()
    .execute((trx) =>
      appendToStreams(trx, [
        { streamId, expectedVersion, events, state: { n: events.length }, callerChosenIds },
      ]),
    )
}

const readAll = (d: Database) => settledLog(d.db)

forEachBackend(t, async (t, d, backend) => {
  await t.test('appends get consecutive stream versions and readable positions', async (t) => {
    await append(d, 's-1', 0, [ev('A'), ev('B')])
    await append(d, 's-1', 2, [ev('C')])
    const log = await readAll(d)
    t.same(
      log.map((e) => [e.streamId, e.streamVersion, e.type]),
      [
        ['s-1', 1, 'A'],
        ['s-1', 2, 'B'],
        ['s-1', 3, 'C'],
      ],
    )
    t.same(await loadStream(d.db, 's-1'), { version: 3, state: { n: 1 } }, 'stream row follows')
    const tokens = log.map((e) => e.token)
    t.same([...tokens].sort(), tokens, 'tokens sort in log order')
  })

  await t.test(
    'a stale expected version raises the concurrency error and writes nothing',
    async (t) => {
      const before = (await readAll(d)).length
      await t.rejects(append(d, 's-1', 1, [ev()]), ConcurrencyError)
      await t.rejects(append(d, 's-1', 0, [ev()]), ConcurrencyError, 'creating an existing stream')
      await t.rejects(
        append(d, 's-new', 5, [ev()]),
        ConcurrencyError,
        'a stream that does not exist',
      )
      t.equal((await readAll(d)).length, before)
    },
  )

  await t.test('20 concurrent appends at one expected version: exactly one wins', async (t) => {
    await append(d, 'race', 0, [ev()])
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () => append(d, 'race', 1, [ev('Raced')])),
    )
    const won = results.filter((r) => r.status === 'fulfilled')
    const lost = results.filter((r) => r.status === 'rejected')
    t.equal(won.length, 1, 'one append wins')
    t.ok(
      lost.every((r) => r.status === 'rejected' && r.reason instanceof ConcurrencyError),
      'all others get the concurrency error',
    )
    const raced = (await readAll(d)).filter((e) => e.streamId === 'race')
    t.same(
      raced.map((e) => e.streamVersion),
      [1, 2],
    )
  })

  await t.test('a multi-stream append is all or nothing', async (t) => {
    await append(d, 'm-a', 0, [ev()])
    await append(d, 'm-b', 0, [ev(), ev()])
    const before = (await readAll(d)).length
    const attempt = d.db.transaction().execute((trx) =>
      appendToStreams(trx, [
        { streamId: 'm-a', expectedVersion: 1, events: [ev()], state: {} },
        { streamId: 'm-b', expectedVersion: 1, events: [ev()], state: {} }, // stale
      ]),
    )
    await t.rejects(attempt, ConcurrencyError)
    t.equal((await readAll(d)).length, before, 'no event of either stream')
    t.equal((await loadStream(d.db, 'm-a')).version, 1, 'the first stream is unchanged')
    await d.db.transaction().execute((trx) =>
      appendToStreams(trx, [
        { streamId: 'm-a', expectedVersion: 1, events: [ev()], state: {} },
        { streamId: 'm-b', expectedVersion: 2, events: [ev()], state: {} },
      ]),
    )
    const last2 = (await readAll(d)).slice(-2)
    t.equal(last2[0]!.position.transactionId, last2[1]!.position.transactionId, 'one transaction')
  })

  await t.test(
    'writes made with an append share its fate (one statement, no transaction)',
    async (t) => {
      await append(d, 'w-a', 0, [ev()])
      const rental = (bookId: string) =>
        d.db
          .insertInto('rental_streams')
          .values({ rental_id: randomUUID(), book_id: bookId, user_id: randomUUID() })
      const rentalsOf = async (bookId: string) =>
        (
          await d.db
            .selectFrom('rental_streams')
            .select('rental_id')
            .where('book_id', '=', bookId)
            .execute()
        ).length
      const a = { streamId: 'w-a', events: [ev()], state: {} }
      const stale = randomUUID()
      await t.rejects(
        appendToStreams(d.db, [{ ...a, expectedVersion: 0 }], { also: [rental(stale)] }),
        { name: 'ConcurrencyError', streamId: 'w-a' },
      )
      t.equal(await rentalsOf(stale), 0, 'a conflicting append writes nothing else either')
      const dup = randomUUID()
      const taken = randomUUID()
      await d.db
        .insertInto('rental_streams')
        .values({ rental_id: dup, book_id: taken, user_id: taken })
        .execute()
      const before = (await loadStream(d.db, 'w-a')).version
      await t.rejects(
        appendToStreams(d.db, [{ ...a, expectedVersion: 1 }], {
          also: [
            d.db
              .insertInto('rental_streams')
              .values({ rental_id: dup, book_id: dup, user_id: dup }),
          ],
        }),
        { code: '23505' },
      )
      t.equal(
        (await loadStream(d.db, 'w-a')).version,
        before,
        'a failing side write undoes the append',
      )
      const ok = randomUUID()
      const done = await appendToStreams(d.db, [{ ...a, expectedVersion: 1 }], {
        also: [rental(ok)],
      })
      t.equal(done.replayed, false)
      t.equal(await rentalsOf(ok), 1, 'and both are written together')
      t.equal((await loadStream(d.db, 'w-a')).version, 2)
    },
  )

  await t.test(
    'a retried append with the same event ids is recognised, not repeated',
    async (t) => {
      const events = [ev('R1'), ev('R2')]
      const first = await append(d, 'retry', 0, events, true)
      const again = await append(d, 'retry', 0, events, true)
      t.equal(again.replayed, true)
      t.same(again.position, first.position, 'same position as the first append')
      t.equal((await readAll(d)).filter((e) => e.streamId === 'retry').length, 2)
      await t.rejects(append(d, 'retry', 2, [events[0]!, ev()], true), PartialDuplicateError)
      // Random ids are not looked up: the same ids again are a conflict, never a silent replay.
      await t.rejects(append(d, 'retry', 0, events), ConcurrencyError)
    },
  )

  await t.test('the log is append-only', async (t) => {
    await t.rejects(sql`UPDATE events SET type = 'Forged'`.execute(d.db), /append-only/)
    await t.rejects(sql`DELETE FROM events`.execute(d.db), /append-only/)
    await t.rejects(sql`TRUNCATE events`.execute(d.db), /append-only/)
  })

  await t.test('paging by position returns every event once, in order', async (t) => {
    const all = await readAll(d)
    const paged = []
    let after = START
    for (;;) {
      const page = await readLog(d.db, { after, limit: 3 })
      if (page.length === 0) break
      paged.push(...page)
      after = page[page.length - 1]!.position
    }
    t.same(
      paged.map((e) => e.eventId),
      all.map((e) => e.eventId),
    )
  })

  await t.test('a late commit with a lower position is still read next', async (t) => {
    if (backend === 'pglite') {
      t.pass('PGlite runs one transaction at a time: no commit can be late')
      return
    }
    const bHasXid = deferred()
    const aAppended = deferred()
    const releaseA = deferred()
    // B takes its transaction id first, A then takes the lower global position, B commits first.
    const b = d.db.transaction().execute(async (trx) => {
      await sql`SELECT pg_current_xact_id()`.execute(trx)
      bHasXid.resolve()
      await aAppended.promise
      await appendToStreams(trx, [
        { streamId: 'late-b', expectedVersion: 0, events: [ev('LateB')], state: {} },
      ])
    })
    await bHasXid.promise
    const a = d.db.transaction().execute(async (trx) => {
      await appendToStreams(trx, [
        { streamId: 'late-a', expectedVersion: 0, events: [ev('LateA')], state: {} },
      ])
      aAppended.resolve()
      await releaseA.promise
    })
    await b
    const seen = await readAll(d)
    const bEvent = seen.find((e) => e.type === 'LateB')
    t.ok(bEvent, 'B is readable while A is still open')
    t.notOk(
      seen.find((e) => e.type === 'LateA'),
      'A is not yet readable',
    )
    releaseA.resolve()
    await a
    await settledLog(d.db)
    const next = await readLog(d.db, { after: bEvent!.position, limit: 10 })
    t.same(
      next.map((e) => e.type),
      ['LateA'],
      'A comes right after B',
    )
    t.ok(
      next[0]!.position.globalPosition < bEvent!.position.globalPosition,
      'with a lower position',
    )
    const naive = await d.db
      .selectFrom('events')
      .select('type')
      .where('global_position', '>', bEvent!.position.globalPosition)
      .where('type', '=', 'LateA')
      .execute()
    t.same(naive, [], 'a reader by global_position alone would have lost A')
  })

  await t.test('a locking read never builds on a write younger than its transaction', async (t) => {
    if (backend === 'pglite') {
      t.pass('PGlite runs one transaction at a time: no lock is ever waited for')
      return
    }
    // L takes its transaction id (as a first row lock gives one), then W, younger, locks the
    // stream; L's locking read waits for W, W appends and commits. An append by L on what it then
    // read would be the stream's next version under an older transaction id: earlier in the log
    // order than the version it follows.
    await append(d, 'locked-x', 0, [ev('First')])
    const lHasXid = deferred()
    const wLocked = deferred()
    const wMayCommit = deferred()
    const l = d.db.transaction().execute(async (trx) => {
      await sql`SELECT pg_current_xact_id()`.execute(trx)
      lHasXid.resolve()
      await wLocked.promise
      const read = loadStreams(trx, ['locked-x'], { lock: true })
      wMayCommit.resolve()
      const snap = (await read).get('locked-x')!
      await appendToStreams(trx, [
        { streamId: 'locked-x', expectedVersion: snap.version, events: [ev('ByL')], state: {} },
      ])
    })
    await lHasXid.promise
    const w = d.db.transaction().execute(async (trx) => {
      await sql`SELECT 1 FROM streams WHERE stream_id = 'locked-x' FOR UPDATE`.execute(trx)
      wLocked.resolve()
      await wMayCommit.promise
      await waitFor('L to wait for the stream row', async () => {
        const { rows } = await sql<{ n: number }>`
          SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock'`.execute(d.db)
        return rows[0]!.n > 0
      })
      await appendToStreams(trx, [
        { streamId: 'locked-x', expectedVersion: 1, events: [ev('ByW')], state: {} },
      ])
    })
    await w
    await t.rejects(l, ConcurrencyError, 'L is told the stream moved, and writes nothing')
    const log = (await settledLog(d.db)).filter((e) => e.streamId === 'locked-x')
    t.same(
      log.map((e) => [e.streamVersion, e.type]),
      [
        [1, 'First'],
        [2, 'ByW'],
      ],
      'the stream reads in version order in the log order',
    )
    const snap = await d.db
      .transaction()
      .execute((trx) => loadStreams(trx, ['locked-x', 'locked-new'], { lock: true }))
    t.same(
      [snap.get('locked-x')!.version, snap.get('locked-new')!.version],
      [2, 0],
      'a new transaction reads and locks it',
    )
  })

  await t.test('refuses a database whose xid counter is below the stored ids', async (t) => {
    await assertXidHorizon(d.db)
    t.pass('a live database passes')
    await sql`INSERT INTO events (event_id, stream_id, stream_version, type, data, transaction_id)
              VALUES (${randomUUID()}, 'restored', 1, 'FromTheFuture', '{}', '4000000000'::xid8)`.execute(
      d.db,
    )
    await t.rejects(assertXidHorizon(d.db), XidHorizonError)
  })
})
