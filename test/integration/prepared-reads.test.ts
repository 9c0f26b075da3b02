// Reads compiled once (src/db/reads.ts): the SQL of a read is built once per key, with markers in
// place of its values, and runs on PostgreSQL as a named prepared statement. What would break it:
// a value baked into the SQL instead of passed as a parameter, and a prepared statement that keeps
// reading the tables a replay has swapped out (replay renames schemas: PostgreSQL must re-resolve
// the names of a prepared statement when a schema is renamed).
import { type Kysely, sql } from 'kysely'
import t from 'tap'
import { directRows, type ReadDef } from '../../src/db/reads.js'
import type { DB } from '../../src/db/tables.js'
import { forEachBackend } from '../helpers/db.js'

// The test's own tables, outside the types of DB.
const loose = (db: Kysely<DB>) =>
  db as unknown as Kysely<Record<string, { n: number; name: string }>>

forEachBackend(t, async (t, database) => {
  const db = database.db
  const schema = `prepared_${Math.random().toString(36).slice(2, 8)}`
  const table = async (name: string, rows: [number, string][]) => {
    await sql`CREATE SCHEMA ${sql.id(name)}`.execute(db)
    await sql`CREATE TABLE ${sql.id(name, 'items')} (n int PRIMARY KEY, name text NOT NULL)`.execute(
      db,
    )
    for (const [n, label] of rows) {
      await sql`INSERT INTO ${sql.id(name, 'items')} VALUES (${n}, ${label})`.execute(db)
    }
  }
  await table(schema, [
    [1, 'one'],
    [2, 'two'],
    [3, 'three'],
  ])

  let builds = 0
  const upTo: ReadDef<{ max: number; limit: number }, { n: number; name: string }> = {
    key: `test: items up to, ${schema}`,
    build: (db, v) => {
      builds++
      return loose(db)
        .withSchema(schema)
        .selectFrom('items')
        .select(['n', 'name'])
        .where('n', '<=', v.max)
        .orderBy('n')
        .limit(v.limit) as never
    },
  }

  await t.test('built once, each read with its own values', async (t) => {
    t.same(await directRows(db, upTo, { max: 2, limit: 10 }), [
      { n: 1, name: 'one' },
      { n: 2, name: 'two' },
    ])
    t.same(await directRows(db, upTo, { max: 3, limit: 1 }), [{ n: 1, name: 'one' }])
    t.same(await directRows(db, upTo, { max: 0, limit: 10 }), [], 'no row when none matches')
    const many = await Promise.all(
      Array.from({ length: 30 }, (_, i) => directRows(db, upTo, { max: i % 4, limit: 10 })),
    )
    t.same(
      many.map((rows) => rows.length),
      Array.from({ length: 30 }, (_, i) => i % 4),
      'concurrent reads on several connections each get their own rows',
    )
    t.equal(builds, 1, 'the statement was built once')
  })

  await t.test(
    'a value that shapes the SQL instead of filling a parameter is refused',
    async (t) => {
      const shaped: ReadDef<{ limit: number }, { n: number }> = {
        key: `test: shaped, ${schema}`,
        build: (db, v) =>
          loose(db)
            .withSchema(schema)
            .selectFrom('items')
            .select('n')
            .limit(Number(v.limit) + 1) as never,
      }
      await t.rejects(directRows(db, shaped, { limit: 1 }), /value limit is not a parameter/)
    },
  )

  await t.test('after a schema swap, as replay makes, the read sees the new tables', async (t) => {
    // Enough executions for PostgreSQL to settle on a generic plan of the prepared statement.
    for (let i = 0; i < 10; i++) await directRows(db, upTo, { max: 3, limit: 10 })
    for (let i = 0; i < 10; i++) {
      await Promise.all([1, 2, 3].map((max) => directRows(db, upTo, { max, limit: 10 })))
    }
    await table(`${schema}_new`, [
      [1, 'uno'],
      [2, 'dos'],
    ])
    await db.transaction().execute(async (trx) => {
      await sql`ALTER SCHEMA ${sql.id(schema)} RENAME TO ${sql.id(`${schema}_old`)}`.execute(trx)
      await sql`ALTER SCHEMA ${sql.id(`${schema}_new`)} RENAME TO ${sql.id(schema)}`.execute(trx)
    })
    const after = await Promise.all(
      Array.from({ length: 20 }, () => directRows(db, upTo, { max: 3, limit: 10 })),
    )
    for (const rows of after) {
      t.same(rows, [
        { n: 1, name: 'uno' },
        { n: 2, name: 'dos' },
      ])
    }
    t.equal(after.length, 20, 'every connection read the swapped-in table')
  })
})
