import { sql } from 'kysely'
import t from 'tap'
import { openPostgres } from '../../src/db/database.js'
import { migrateToLatest } from '../../src/db/migrate.js'
import { createPostgresDatabase, forEachBackend } from '../helpers/db.js'

forEachBackend(t, async (t, d) => {
  // openTestDatabase already migrated once
  t.same((await migrateToLatest(d.db)).applied, [], 'a second run applies nothing')
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM streams`.execute(d.db)
  t.equal(rows[0]!.n, 0, 'and the schema is intact')
})

t.test('concurrent migrate runs on PostgreSQL', async (t) => {
  const url = await createPostgresDatabase(t)
  const handles = Array.from({ length: 4 }, () => openPostgres(url, 2))
  t.teardown(() => Promise.all(handles.map((h) => h.close())))
  const outcomes = await Promise.all(handles.map((h) => migrateToLatest(h.db)))
  const applied = outcomes.flatMap((o) => o.applied)
  t.equal(new Set(applied).size, applied.length, 'each migration applied exactly once')
  t.ok(applied.length > 0, 'the migrations ran')
})
