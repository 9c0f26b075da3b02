// W4: rebuilding both projections from the log (src/projector/replay.ts, in this process: one read
// of the log for both), against reading the same events through pg-cursor and doing nothing with
// them. The replay is timed whole (read, fold, load, indexes, swap); the pg-cursor read for at
// most replayBoxS (its rate is steady).
import { sql } from 'kysely'
import pg from 'pg'
import Cursor from 'pg-cursor'
import { PROJECTIONS } from '../../projections/index.js'
import { replayProjections } from '../../src/projector/replay.js'
import type { Bench } from '../context.js'
import { row, spread } from '../report.js'

export async function logSize(bench: Bench): Promise<number> {
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM events`.execute(
    bench.database.db,
  )
  return rows[0]!.n
}

interface Timed {
  events: number
  seconds: number
  finished: boolean
}

/** The whole replay, load and swap included: it is one read of the log, so it is timed whole. */
async function timedReplay(bench: Bench): Promise<Timed> {
  const t0 = performance.now()
  let events = 0
  await replayProjections(bench.database.db, PROJECTIONS, {
    onProgress: (n) => {
      events += n
    },
  })
  return { events, seconds: (performance.now() - t0) / 1000, finished: true }
}

/** The log in the reader's order and with its columns, 2,000 rows a read, discarded. */
async function timedCursor(bench: Bench): Promise<Timed> {
  const box = bench.opts.replayBoxS * 1000
  const client = new pg.Client({ connectionString: bench.fresh.url })
  await client.connect()
  try {
    const t0 = performance.now()
    const cursor = client.query(
      new Cursor(`
        SELECT transaction_id::text AS tx, global_position, event_id, stream_id, stream_version,
               type, data, metadata, recorded_at
        FROM events WHERE transaction_id < pg_snapshot_xmin(pg_current_snapshot())
        ORDER BY transaction_id, global_position`),
    )
    let events = 0
    for (;;) {
      const rows = await cursor.read(2000)
      events += rows.length
      if (rows.length === 0) {
        await cursor.close()
        return { events, seconds: (performance.now() - t0) / 1000, finished: true }
      }
      if (performance.now() - t0 > box) {
        await cursor.close()
        return { events, seconds: (performance.now() - t0) / 1000, finished: false }
      }
    }
  } finally {
    await client.end()
  }
}

const rate = (t: Timed) => t.events / t.seconds

export async function w4Replay(bench: Bench): Promise<void> {
  const size = await logSize(bench)
  const replays: Timed[] = []
  const cursor: Timed[] = []
  for (let r = 0; r < bench.opts.replayReps; r++) {
    replays.push(await timedReplay(bench))
    cursor.push(await timedCursor(bench))
  }
  const n = size.toLocaleString('en-US')
  const boxed = cursor.some((t) => !t.finished)
  bench.rows.push(
    row({
      workload: 'W4 replay',
      figure: `events/s rebuilding both projections, log of ${n} events`,
      unit: '/s',
      better: 'higher',
      value: spread(replays.map(rate)),
      baseline: { what: 'pg-cursor read, discarded', value: spread(cursor.map(rate)) },
      ...(boxed && {
        note: `the pg-cursor read timed for its first ${bench.opts.replayBoxS} s (the replay whole)`,
      }),
    }),
  )
  bench.extra.W4 = { logEvents: size, replays, cursor }
}
