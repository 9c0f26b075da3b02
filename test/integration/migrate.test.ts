import { sql } from 'kysely'
import t from 'tap'
import * as byBook from '../../migrations/20261201002000_rentals_by_book.js'
import { PROJECTIONS } from '../../projections/index.js'
import { openPostgres } from '../../src/db/database.js'
import { migrateToLatest } from '../../src/db/migrate.js'
import { ensureProjectionSchemas } from '../../src/projector/schema.js'
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

forEachBackend(t, async (t, d) => {
  // The index the staff's rentals-by-book list reads: on a read model made before it existed, the
  // migration adds it; a read model made afterwards has it from its own schema.
  const bookIndex = async () => {
    const { rows } = await sql<{ def: string }>`
      SELECT indexdef AS def FROM pg_indexes
      WHERE schemaname = 'proj_user_balances' AND tablename = 'rentals'`.execute(d.db)
    return rows.map((r) => r.def).filter((def) => /\(book_id, rented_at, rental_id\)/.test(def))
  }
  await byBook.up(d.db)
  t.same(await bookIndex(), [], 'no read model yet: nothing to index, and no error')
  t.same(await ensureProjectionSchemas(d.db, PROJECTIONS), ['book-availability', 'user-balances'])
  t.equal((await bookIndex()).length, 1, 'a new read model has the index')
  await byBook.down(d.db)
  t.same(await bookIndex(), [], 'as an older read model had not')
  await byBook.up(d.db)
  t.equal((await bookIndex()).length, 1, 'the migration adds it to the live read model')
  await byBook.up(d.db)
  t.equal((await bookIndex()).length, 1, 'once')
})
