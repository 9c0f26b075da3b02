import { sql } from 'kysely'
import t from 'tap'
import { DEMO_BOOKS } from '../../src/cli/data/demo-books.js'
import { demoCatalogue } from '../../src/cli/demo-catalogue.js'
import { loadConfig } from '../../src/config.js'
import { normalizeIsbn } from '../../src/domain/isbn.js'
import { createPostgresDatabase, openTestDatabase } from '../helpers/db.js'

t.test('every ISBN of the demo catalogue is an ISBN-13 with a right check digit', async (t) => {
  const isbns = DEMO_BOOKS.flatMap(([title, , , , , isbn]) => (isbn ? [[title, isbn]] : []))
  t.ok(isbns.length >= DEMO_BOOKS.length - 2, `${isbns.length} of ${DEMO_BOOKS.length} have one`)
  for (const [title, isbn] of isbns) t.equal(normalizeIsbn(isbn!), isbn, `${title}: ${isbn}`)
  t.equal(new Set(isbns.map(([, isbn]) => isbn)).size, isbns.length, 'no ISBN twice')
})

t.test('demo-catalogue adds every book once, of all three types', async (t) => {
  const url = await createPostgresDatabase(t)
  const database = await openTestDatabase(t, 'postgres', url)
  const config = loadConfig({ DATABASE_URL: url, LOG_LEVEL: 'silent' })
  const out: string[] = []
  const write = process.stdout.write.bind(process.stdout)
  // Keep what the command prints; let tap's own output through.
  process.stdout.write = ((s: string) =>
    s.startsWith('added') ? out.push(s) > 0 : write(s)) as typeof process.stdout.write
  try {
    t.equal(await demoCatalogue([], config), 0)
    t.equal(await demoCatalogue([], config), 0, 'a second run is harmless')
  } finally {
    process.stdout.write = write
  }
  t.same(
    out.filter((line) => line.startsWith('added')),
    [
      `added ${DEMO_BOOKS.length} books\n`,
      `added 0 books (${DEMO_BOOKS.length} were already there)\n`,
    ],
  )
  const { rows } = await sql<{ type: string; n: number }>`
    SELECT data->>'bookType' AS type, count(*)::int AS n FROM events
    WHERE type = 'BookAdded' GROUP BY 1 ORDER BY 1`.execute(database.db)
  t.same(
    rows.map((r) => r.type),
    ['fiction', 'novel', 'regular'],
  )
  t.equal(
    rows.reduce((s, r) => s + r.n, 0),
    DEMO_BOOKS.length,
  )
  const withIsbn = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM events
    WHERE type = 'BookAdded' AND data->>'isbn' IS NOT NULL`.execute(database.db)
  t.equal(withIsbn.rows[0]!.n, DEMO_BOOKS.filter((b) => b[5]).length, 'the books carry their ISBNs')
})
