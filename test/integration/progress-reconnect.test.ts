// An API without workers of its own learns how far the projections have got from their commit
// notifications, on one LISTEN connection. When that connection drops, whatever is announced
// before it listens again goes to no one: on listening again it reads the checkpoints.
import { sql } from 'kysely'
import t from 'tap'
import { PROJECTIONS } from '../../projections/index.js'
import { comparePositions, encodePosition, type Position } from '../../src/eventstore/position.js'
import { PROGRESS_CHANNEL } from '../../src/projector/apply-batch.js'
import { startTestApp } from '../helpers/app.js'
import { forEachBackend } from '../helpers/db.js'
import { waitFor } from '../helpers/processes.js'

forEachBackend(t, async (t, database, backend) => {
  if (backend === 'pglite') {
    t.pass('PGlite notifies in its own process: there is no connection to lose')
    return
  }
  const { service } = await startTestApp(t, database, {}, 'off')
  const db = database.db
  const listeners = async () =>
    (
      await sql<{ pid: number }>`SELECT pid FROM pg_stat_activity
        WHERE datname = current_database() AND query LIKE 'LISTEN%'`.execute(db)
    ).rows.map((r) => r.pid)
  const [listener] = await listeners()
  t.ok(listener, 'the API listens')
  const projection = PROJECTIONS[0]!
  const reaches = (position: Position) =>
    comparePositions(service.progress.position(projection.name), position) === 0

  await sql`SELECT pg_terminate_backend(${listener})`.execute(db)
  // Meanwhile the projection moves on in another process, and its announcement is lost.
  const moved = { transactionId: 5n, globalPosition: 7 }
  await sql`UPDATE ${sql.table(`${projection.schema}.checkpoint`)}
            SET transaction_id = '5'::xid8, global_position = 7 WHERE id = 1`.execute(db)
  await waitFor('the API to read the checkpoint nobody told it of', () => reaches(moved), 15_000)
  t.pass('the position it missed is known')
  const [again] = await listeners()
  t.ok(again !== undefined && again !== listener, 'it listens on a new connection')

  const next = { transactionId: 5n, globalPosition: 9 }
  await sql`SELECT pg_notify(${PROGRESS_CHANNEL}, ${`${projection.name} ${encodePosition(next)}`})`.execute(
    db,
  )
  await waitFor('the next announcement', () => reaches(next), 15_000)
  t.pass('and hears the next announcement')
})
