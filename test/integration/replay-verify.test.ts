import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setImmediate } from 'node:timers/promises'
import { promisify } from 'node:util'
import { sql } from 'kysely'
import t from 'tap'
import { bookAvailability } from '../../projections/book-availability/apply.js'
import { PROJECTIONS } from '../../projections/index.js'
import { encodePosition, START } from '../../src/eventstore/position.js'
import { headPosition, readLog } from '../../src/eventstore/reader.js'
import { readCheckpoint } from '../../src/projector/apply-batch.js'
import { catchUpIn, dropSchema, rebuildInto } from '../../src/projector/rebuild.js'
import { replayProjection } from '../../src/projector/replay.js'
import { verifyProjections } from '../../src/projector/verify.js'
import { DAY, forEachApp } from '../helpers/app.js'
import { settledLog } from '../helpers/db.js'
import { childEnv } from '../helpers/processes.js'

const run = promisify(execFile)
const bin = join(import.meta.dirname, '../../bin/rental-ledger.js')

forEachApp(t, async (t, { app, user, database, service, clock, addBook: addBookAs }, backend) => {
  const db = database.db
  const staff = await user('staff')
  const alice = await user('user')
  const bob = await user('user')
  const call = async (method: 'GET' | 'POST', url: string, who = staff, payload?: object) => {
    const res = await app.inject({ method, url, headers: who.auth, payload })
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`)
    return res.json()
  }
  const addBook = (title: string, copies = 2) =>
    addBookAs(staff, { title, author: 'Someone', type: 'novel', copies })
  /** Both read models have applied `position`: no projection batch is left in flight. */
  const settle = async (position: string) => {
    await call('GET', `/api/books?minPosition=${position}`)
    await call('GET', `/api/rentals?minPosition=${position}`)
  }

  const [b1, b2, b3] = [await addBook('One'), await addBook('Two', 3), await addBook('Three')]
  const r1 = await call('POST', '/api/rentals', alice, { bookId: b1.id })
  await call('POST', '/api/rentals', bob, { bookId: b2.id })
  clock.advance(3 * DAY)
  await call('POST', `/api/rentals/${r1.id}/return`, alice)
  await call('POST', '/api/payments', staff, {
    amountCents: 300,
    reference: 'cash',
    userId: alice.id,
  })
  await call('POST', '/api/payments', staff, { amountCents: 100, userId: bob.id })
  const last = await call('POST', '/api/rentals', bob, { bookId: b3.id })
  await settle(last.position)

  const asOf = new Date(clock.now.getTime() + DAY).toISOString()
  const answers = async () => ({
    books: await call('GET', '/api/books?limit=100'),
    book: await call('GET', `/api/books/${b2.id}`),
    rentals: await call('GET', '/api/rentals?limit=100'),
    alice: await call('GET', `/api/users/${alice.id}/balance?asOf=${asOf}`),
    bob: await call('GET', `/api/users/${bob.id}/balance?asOf=${asOf}`),
  })
  const schemas = async () =>
    (
      await sql<{ nspname: string }>`
        SELECT nspname FROM pg_namespace WHERE nspname LIKE 'proj\\_%' ORDER BY 1`.execute(db)
    ).rows.map((r) => r.nspname)

  await t.test('verify: the live read models equal a rebuild at the same checkpoint', async (t) => {
    const head = encodePosition((await headPosition(db))!)
    const result = await verifyProjections(db, PROJECTIONS)
    t.equal(result.ok, true)
    t.same(
      result.projections.map((p) => [p.projection, p.status, p.position, p.diffs]),
      PROJECTIONS.map((p) => [p.name, 'equal', head, []]),
    )
    t.same(await schemas(), ['proj_book_availability', 'proj_user_balances'], 'scratch dropped')
  })

  await t.test('verify compares at the live checkpoint when the live one moved on', async (t) => {
    let moved: { position: string } | undefined
    const result = await verifyProjections(db, [bookAvailability], {
      // The whole log is one short page: the rebuild ends without what is written here.
      onProgress: async () => {
        if (moved) return
        const book = await addBook('Written during verify')
        await settle(book.position)
        moved = book
      },
    })
    t.equal(result.ok, true)
    t.same(
      result.projections.map((p) => [p.status, p.position]),
      [['equal', moved?.position]],
      'the rebuild was caught up to the live checkpoint, the new book included',
    )
  })

  await t.test('replay rebuilds equal read models, swaps them in, workers resume', async (t) => {
    const before = await answers()
    t.ok(before.rentals.items.length === 3 && before.alice.paidCents === 300, 'populated')
    const head = encodePosition((await headPosition(db))!)
    for (const p of PROJECTIONS) {
      const { position } = await replayProjection(db, p)
      t.equal(encodePosition(position), head, `${p.name} rebuilt to the head`)
      t.equal(encodePosition(await readCheckpoint(db, p.schema)), head, `${p.name} swapped in`)
    }
    t.same(await answers(), before, 'the API answers as before')
    t.same(await schemas(), ['proj_book_availability', 'proj_user_balances'], 'old tables dropped')
    const rented = await call('POST', '/api/rentals', alice, { bookId: b2.id })
    const book = await call('GET', `/api/books/${b2.id}?minPosition=${rented.position}`)
    t.equal(book.available, before.book.available - 1, 'the workers apply new events to it')
    await settle(rented.position)
    t.equal((await verifyProjections(db, PROJECTIONS)).ok, true, 'verify passes')
  })

  await t.test('the API keeps answering during a replay; writes meanwhile are kept', async (t) => {
    const codes: number[] = []
    let done = false
    const polling = (async () => {
      while (!done) {
        codes.push((await app.inject({ url: '/api/books' })).statusCode)
        await setImmediate() // PGlite answers in microtasks: let timers and the workers run
      }
    })()
    let added: { id: string; position: string } | undefined
    await replayProjection(db, bookAvailability, {
      pageSize: 2,
      onProgress: async () => {
        codes.push((await app.inject({ url: `/api/books/${b1.id}` })).statusCode)
        // A write committed mid-replay, and applied by the live worker to the old tables.
        if (!added) {
          const book = await addBook('Written during the replay')
          await call('GET', `/api/books/${book.id}?minPosition=${book.position}`)
          added = book
        }
      },
    })
    done = true
    await polling
    t.ok(codes.length >= 5, `${codes.length} queries answered during the replay`)
    t.same(new Set(codes), new Set([200]), 'every one with 200')
    if (!added) throw new Error('no page was replayed')
    const got = await call('GET', `/api/books/${added.id}?minPosition=${added.position}`)
    t.equal(got.title, 'Written during the replay', 'the rebuilt model has it too')
    await settle(added.position)
    t.equal((await verifyProjections(db, PROJECTIONS)).ok, true)
  })

  await t.test('a catch-up never goes past the position it is given', async (t) => {
    const log = await readLog(db, { after: START, limit: 10_000 })
    const middle = log[Math.floor(log.length / 2)]!.position
    const scratch = 'proj_book_availability_ttest'
    await rebuildInto(db, bookAvailability, scratch, { pageSize: 1 })
    await sql`UPDATE ${sql.id(scratch, 'checkpoint')} SET transaction_id = '0', global_position = 0`.execute(
      db,
    )
    await sql`TRUNCATE ${sql.id(scratch, 'books')}, ${sql.id(scratch, 'stream_versions')}`.execute(
      db,
    )
    const at = await db
      .transaction()
      .execute((trx) => catchUpIn(trx, bookAvailability, scratch, middle, 3))
    t.same(at, middle, 'stopped exactly there')
    const head = await db.transaction().execute((trx) => catchUpIn(trx, bookAvailability, scratch))
    t.same(head, log[log.length - 1]!.position, 'without a bound: to the head')
    await dropSchema(db, scratch)
  })

  await t.test('verify finds a tampered row and names its table; replay repairs it', async (t) => {
    await sql`UPDATE proj_book_availability.books SET copies = copies + 5 WHERE book_id = ${b3.id}`.execute(
      db,
    )
    const result = await verifyProjections(db, PROJECTIONS)
    t.equal(result.ok, false)
    const [books, balances] = result.projections
    t.equal(balances!.status, 'equal', 'the other projection is fine')
    t.equal(books!.status, 'different')
    t.same(
      books!.diffs.map((d) => d.table),
      ['books'],
    )
    t.match(books!.diffs[0], {
      onlyInLiveCount: 1,
      onlyInRebuildCount: 1,
      onlyInLive: [{ book_id: b3.id, copies: 7 }],
      onlyInRebuild: [{ book_id: b3.id, copies: 2 }],
    })

    if (backend === 'postgres') {
      // The command line, as an operator runs it, against this test's database.
      const env = childEnv({
        DATABASE_URL: database.pool!.options.connectionString!,
        LOG_LEVEL: 'silent',
        NODE_ENV: 'test',
      })
      const cli = (...args: string[]) =>
        run(process.execPath, [bin, ...args], { env }).then(
          (r) => ({ code: 0, ...r }),
          (e) => ({
            code: e.code as number,
            stdout: e.stdout as string,
            stderr: e.stderr as string,
          }),
        )
      const failed = await cli('verify')
      t.equal(failed.code, 1, 'verify exits 1')
      t.match(failed.stdout, /book-availability: DIFFERENT/)
      t.match(failed.stdout, /table books: 1 row\(s\) only in live, 1 only in rebuild/)
      t.match(failed.stdout, new RegExp(`only in live: .*"book_id":"${b3.id}".*"copies":7`))
      t.match(failed.stdout, /user-balances: equal/)
      const replayed = await cli('replay', '--projection', 'book-availability')
      t.equal(replayed.code, 0, `replay exits 0: ${replayed.stderr}`)
      const passed = await cli('verify')
      t.equal(passed.code, 0, `verify exits 0 after the replay: ${passed.stdout}`)

      const dir = await mkdtemp(join(tmpdir(), 'rl-export-'))
      t.teardown(() => rm(dir, { recursive: true, force: true }))
      const out = join(dir, 'events.csv')
      const exported = await cli('export', '--format', 'csv', '--out', out, '--type', 'BookAdded')
      t.equal(exported.code, 0, exported.stderr)
      const http = await app.inject({
        url: '/api/audit/events?format=csv&type=BookAdded',
        headers: staff.auth,
      })
      t.equal(await readFile(out, 'utf8'), http.body, 'the file is the HTTP export')
      const stdout = await cli('export', '--stream-id', `book-${b1.id}`)
      t.same(
        stdout.stdout
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l).version),
        [1, 2, 3],
        'to stdout, filtered by stream',
      )
      t.equal((await cli('export', '--after', 'nonsense')).code, 2, 'a bad --after')
    } else {
      await replayProjection(db, bookAvailability)
    }
    t.equal((await verifyProjections(db, PROJECTIONS)).ok, true, 'equal again after the replay')
  })

  await t.test('verify reports a live read model that stays behind', async (t) => {
    await service.feeder!.stop()
    await addBook('Never projected')
    await settledLog(db) // the xid gate is cluster-wide: the rebuild must see the new event
    const result = await verifyProjections(db, PROJECTIONS, { lagDeadlineMs: 0 })
    t.equal(result.ok, false)
    t.same(
      result.projections.map((p) => p.status),
      ['lagging', 'lagging'],
    )
    t.same(await schemas(), ['proj_book_availability', 'proj_user_balances'], 'scratch dropped')
  })
})
