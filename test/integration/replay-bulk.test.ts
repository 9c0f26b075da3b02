// Replay as a bulk load (src/projector/rebuild.ts) builds exactly what the workers' batches build:
// on a varied log (rents, returns, payments, books added, renamed and recounted, text that COPY
// must escape, events of other categories, late commits), every table of both projections
// rebuilt in one pass equals the same log applied batch by batch with applyBatch.
import { sql } from 'kysely'
import t from 'tap'
import { PROJECTIONS } from '../../projections/index.js'
import { addBook, updateBook } from '../../src/commands/books.js'
import { loadConfig } from '../../src/config.js'
import { encodePosition, START } from '../../src/eventstore/position.js'
import { readLogFrom } from '../../src/eventstore/reader.js'
import { applyBatch, readCheckpoint } from '../../src/projector/apply-batch.js'
import { copyValue } from '../../src/projector/bulk-load.js'
import { dropSchema, rebuildAll } from '../../src/projector/rebuild.js'
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
})
