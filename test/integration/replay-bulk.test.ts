// Replay as a bulk load (src/projector/rebuild.ts) builds exactly what the workers' batches build:
// on a varied log (rents, returns, payments, books added, renamed and recounted, text that COPY
// must escape, events of other categories, late commits), every table of both projections
// rebuilt in one pass equals the same log applied batch by batch with applyBatch.
import { sql } from 'kysely'
import t from 'tap'
import { PROJECTIONS } from '../../projections/index.js'
import { addBook, updateBook } from '../../src/commands/books.js'
import { voidRental } from '../../src/commands/rental-voids.js'
import { loadConfig } from '../../src/config.js'
import { encodePosition, START } from '../../src/eventstore/position.js'
import { readLogFrom } from '../../src/eventstore/reader.js'
import { applyBatch, readCheckpoint } from '../../src/projector/apply-batch.js'
import { copyValue } from '../../src/projector/bulk-load.js'
import { dropSchema, rebuildAll } from '../../src/projector/rebuild.js'
import { replayProjections } from '../../src/projector/replay.js'
import { createProjectionSchema } from '../../src/projector/schema.js'
import { compareSchemas } from '../../src/projector/verify.js'
import { commandDeps } from '../../src/service.js'
import { forEachBackend, settledLog } from '../helpers/db.js'
import { populate, runWorkload } from '../helpers/workload.js'

t.test('COPY text: null, escapes, numbers', async (t) => {
  t.equal(copyValue(null), '\\N')
  t.equal(
    copyValue(undefined),
    '\\N',
    'an absent field loads as NULL, as jsonb_to_recordset has it',
  )
  t.equal(copyValue('a\tb\nc\rd\\e'), 'a\\tb\\nc\\rd\\\\e')
  t.equal(copyValue('\\N'), '\\\\N', 'the text \\N is not NULL')
  t.equal(copyValue(-42), '-42')
  t.throws(() => copyValue({}), TypeError)
})

forEachBackend(t, async (t, database, backend) => {
  const db = database.db
  const deps = commandDeps(loadConfig({ MAX_OWED_CENTS: '100000000' }), database)
  const pop = await populate(deps, 12, 6)
  const odd = await addBook(
    deps,
    {
      title: 'Tabs\tand\\slashes',
      author: 'New\nline',
      description: '\\N',
      type: 'novel',
      copies: 3,
    },
    {},
  )
  pop.books.push(odd.book.id)
  await runWorkload(deps, pop, backend === 'postgres' ? 400 : 150, 4)
  await updateBook(deps, odd.book.id, { title: 'Renamed\r\nbook', copies: 9 }, {})
  await updateBook(deps, pop.books[0]!, { description: 'recounted', copies: 60 }, {})
  await runWorkload(deps, pop, 60, 4)
  // Voids: of rentals returned early in the log (their rows loaded pages before the void is read)
  // and of one still open.
  const { rows: returned } = await sql<{ id: string }>`
    SELECT data->>'rentalId' AS id FROM events WHERE type = 'RentalClosed'
     ORDER BY transaction_id, global_position LIMIT 2`.execute(db)
  const stillOpen = [...pop.open.values()].flat()[0]!
  const voided = [...returned.map((r) => r.id), stillOpen]
  t.equal(voided.length, 3, 'two returned rentals and an open one to void')
  for (const rentalId of voided) {
    await voidRental(deps, { rentalId, voidedBy: pop.users[0]! }, {})
  }
  await settledLog(db)

  const bulk = PROJECTIONS.map((p) => ({ projection: p, schema: `${p.schema}_tbulk` }))
  const batched = PROJECTIONS.map((p) => ({ projection: p, schema: `${p.schema}_tbatch` }))
  t.teardown(async () => {
    for (const s of [...bulk, ...batched]) await dropSchema(db, s.schema)
  })
  let pages = 0
  const position = await rebuildAll(db, bulk, {
    pageSize: 97,
    onProgress: () => {
      pages++
    },
  })
  t.ok(pages > 3, `the log was read in ${pages} pages`)
  for (const { projection, schema } of batched) {
    await createProjectionSchema(db, projection, schema)
    for await (const page of readLogFrom(db, START, 50)) {
      await applyBatch(db, projection, page, { schema, notify: false })
    }
  }

  for (const [i, p] of PROJECTIONS.entries()) {
    const [a, b] = [bulk[i]!.schema, batched[i]!.schema]
    t.equal(
      encodePosition(await readCheckpoint(db, a)),
      encodePosition(await readCheckpoint(db, b)),
      `${p.name}: the same checkpoint`,
    )
    t.equal(encodePosition(await readCheckpoint(db, a)), encodePosition(position))
    t.same(await compareSchemas(db, b, a), [], `${p.name}: every table equal, stream versions too`)
    const { rows } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM pg_indexes WHERE schemaname = ${a}`.execute(db)
    const { rows: expected } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM pg_indexes WHERE schemaname = ${b}`.execute(db)
    t.equal(rows[0]!.n, expected[0]!.n, `${p.name}: every index built again after the load`)
  }
  const { rows } = await sql<{ title: string; author: string; description: string }>`
    SELECT title, author, description FROM ${sql.id(bulk[0]!.schema, 'books')}
     WHERE book_id = ${odd.book.id}`.execute(db)
  t.same(rows, [{ title: 'Renamed\r\nbook', author: 'New\nline', description: '\\N' }])
  const { rows: kept } = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM ${sql.id(bulk[1]!.schema, 'rentals')}
     WHERE rental_id = ANY(${voided}::uuid[])`.execute(db)
  t.equal(kept[0]!.n, 0, 'voided rentals are not in the rebuilt read model')

  await t.test('a rebuild that fails mid-read leaves nothing behind', async (t) => {
    for (const p of PROJECTIONS) await createProjectionSchema(db, p, p.schema)
    let pages = 0
    const stop = new Error('stopped mid-read')
    await t.rejects(
      replayProjections(db, PROJECTIONS, {
        pageSize: 97,
        onProgress: () => {
          if (++pages === 3) throw stop
        },
      }),
      stop,
    )
    const { rows } = await sql<{ nspname: string }>`
      SELECT nspname FROM pg_namespace WHERE nspname LIKE 'proj\_%' ORDER BY 1`.execute(db)
    t.same(
      rows.map((r) => r.nspname).filter((n) => !n.endsWith('_tbulk') && !n.endsWith('_tbatch')),
      ['proj_book_availability', 'proj_user_balances'],
      'the scratch schemas, loads under way in them, dropped',
    )
    const [live] = await replayProjections(db, [PROJECTIONS[1]!], { pageSize: 97 })
    t.equal(encodePosition(live!.position), encodePosition(position), 'a replay after it works')
  })
})
