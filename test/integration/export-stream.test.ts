// The export as a stream, on both backends: a reader that stops early (a client that hangs up)
// ends the export without an error and leaves no COPY running and no broken connection in the
// pool; the next export is whole.
import { randomUUID } from 'node:crypto'
import { sql } from 'kysely'
import t from 'tap'
import { extendChain } from '../../src/audit/chain-writer.js'
import { exportStream } from '../../src/audit/export.js'
import { appendToStreams } from '../../src/eventstore/append.js'
import { START } from '../../src/eventstore/position.js'
import { forEachBackend, settledLog } from '../helpers/db.js'

const EVENTS = 2000

forEachBackend(t, async (t, database, backend) => {
  const db = database.db
  for (let i = 0; i < EVENTS / 100; i++) {
    await appendToStreams(db, [
      {
        streamId: `book-${i}`,
        expectedVersion: 0,
        state: {},
        events: Array.from({ length: 100 }, (_, k) => ({
          eventId: randomUUID(),
          type: 'BookAdded',
          data: { title: `Title ${i}-${k}`, description: 'd'.repeat(500) },
          metadata: { actor: `user-${k}` },
        })),
      },
    ])
  }
  t.equal((await settledLog(db)).length, EVENTS)
  await extendChain(db)
  const options = { format: 'ndjson' as const, after: START, filter: {}, pageSize: 100 }

  await t.test('a reader that stops after the first chunk', async (t) => {
    const stream = exportStream(database, options)
    const first = await new Promise<Buffer>((resolve, reject) => {
      stream.once('data', resolve)
      stream.once('error', reject)
    })
    stream.destroy()
    await new Promise((resolve) => stream.once('close', resolve))
    const lines = first.toString('utf8').split('\n')
    t.ok(lines.length > 1 && lines.length < EVENTS, `it got ${lines.length - 1} records, not all`)
    t.equal(lines.at(-1), '', 'a chunk ends where a record ends')
    if (backend === 'postgres') {
      const deadline = Date.now() + 10_000
      for (;;) {
        const { rows } = await sql<{ n: number }>`
          SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND query LIKE 'COPY%'`.execute(db)
        if (rows[0]!.n === 0) break
        if (Date.now() > deadline)
          return t.fail('a COPY is still running 10 s after the reader left')
        await new Promise((r) => setTimeout(r, 20))
      }
      t.pass('no COPY left running')
    }
  })

  await t.test('the next export is whole', async (t) => {
    let text = ''
    for await (const chunk of exportStream(database, options)) text += chunk
    const records = text
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l))
    t.equal(records.length, EVENTS, 'every event')
    t.equal(new Set(records.map((r) => r.position)).size, EVENTS, 'each once')
  })
})
