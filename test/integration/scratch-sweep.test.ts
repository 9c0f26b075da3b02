// Scratch schemas of replay and verify: those whose owner died are dropped by the next run; those
// of a run still going (its session lock held) are left alone. On PGlite the process is alone with
// its database, so every scratch schema found is stale.
import { sql } from 'kysely'
import pg from 'pg'
import t from 'tap'
import { PROJECTIONS } from '../../projections/index.js'
import {
  scratchSchemaName,
  sweepScratchSchemas,
  withScratchToken,
} from '../../src/projector/rebuild.js'
import { createProjectionSchema, ensureProjectionSchemas } from '../../src/projector/schema.js'
import { ADMIN_URL, forEachBackend } from '../helpers/db.js'

const [projection] = PROJECTIONS
if (!projection) throw new Error('no projections')

forEachBackend(t, async (t, { db }, backend) => {
  await ensureProjectionSchemas(db, PROJECTIONS)
  const schemas = async () =>
    (
      await sql<{ nspname: string }>`
        SELECT nspname FROM pg_namespace WHERE starts_with(nspname, ${`${projection.schema}_`})
        ORDER BY 1`.execute(db)
    ).rows.map((r) => r.nspname)

  const stale = [
    scratchSchemaName(projection, 'r', 'deadbeef01'),
    scratchSchemaName(projection, 'old', 'deadbeef01'),
    scratchSchemaName(projection, 'v', 'deadbeef02'),
  ]
  for (const s of stale) await createProjectionSchema(db, projection, s)

  if (backend === 'postgres') {
    // A run still going: another session holds its token's lock.
    const owner = new pg.Client({ connectionString: await urlOf(db) })
    await owner.connect()
    t.teardown(() => owner.end())
    const alive = scratchSchemaName(projection, 'v', 'a1a1a1a1')
    await createProjectionSchema(db, projection, alive)
    await owner.query(`SELECT pg_advisory_lock(hashtext('scratch:a1a1a1a1'))`)
    t.same(await sweepScratchSchemas(db, projection), [...stale].sort(), 'only the stale ones go')
    t.same(await schemas(), [alive], 'the running one stays')
    await owner.query(`SELECT pg_advisory_unlock(hashtext('scratch:a1a1a1a1'))`)
    t.same(await sweepScratchSchemas(db, projection), [alive], 'once its owner is gone, it goes')

    // A token is owned for exactly as long as its run: a sweep meanwhile leaves it.
    await withScratchToken(db, async (token) => {
      const mine = scratchSchemaName(projection, 'r', token)
      await createProjectionSchema(db, projection, mine)
      t.same(await sweepScratchSchemas(db, projection), [], 'a run sweeps around its own token')
      t.same(await schemas(), [mine])
      await sql`DROP SCHEMA ${sql.id(mine)} CASCADE`.execute(db)
    })
  } else {
    t.same(await sweepScratchSchemas(db, projection), [...stale].sort())
  }
  t.same(await schemas(), [], 'nothing left but the live schema')
  const live = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = ${projection.schema}`.execute(db)
  t.equal(live.rows[0]!.n, 1, 'the live schema is never swept')
})

async function urlOf(db: Parameters<typeof ensureProjectionSchemas>[0]): Promise<string> {
  const { rows } = await sql<{ name: string }>`SELECT current_database() AS name`.execute(db)
  const url = new URL(ADMIN_URL)
  url.pathname = `/${rows[0]!.name}`
  return url.toString()
}
