// How far a follower of the log (a projection's checkpoint, the relay's cursor) is behind it, and
// whether it is stalled: behind, with neither its position nor the oldest event it lacks newer
// than the stall bound. Read from PostgreSQL alone, so any process reports the same, NATS or not:
// /api/admin/projections, the workers' readiness and the metrics all use this one rule.
import { type Kysely, sql } from 'kysely'
import type { DB } from '../db/tables.js'
import type { Position } from '../eventstore/position.js'
import { countLogAfter, readLog } from '../eventstore/reader.js'
import type { Projection } from './projection.js'

export type FollowerStatus = 'up-to-date' | 'catching-up' | 'stalled'

export interface Lag {
  position: Position
  /** committed events after `position` */
  lagEvents: number
  /** when the oldest of them was recorded */
  oldestWaiting?: Date
  status: FollowerStatus
}

/** The lag of a follower at `position` that last moved at `movedAt` (undefined: never). */
export async function lagBehindLog(
  db: Kysely<DB>,
  position: Position,
  movedAt: Date | undefined,
  stallSeconds: number,
): Promise<Lag> {
  const lagEvents = await countLogAfter(db, position)
  if (lagEvents === 0) return { position, lagEvents, status: 'up-to-date' }
  const [oldest] = await readLog(db, { after: position, limit: 1 })
  // Compared with the database's clock, which stamped both times.
  const { rows } = await sql<{ moved: boolean }>`
    SELECT greatest(${movedAt ?? null}::timestamptz, ${oldest?.recordedAt ?? null}::timestamptz)
             > now() - make_interval(secs => ${stallSeconds}) AS moved`.execute(db)
  return {
    position,
    lagEvents,
    oldestWaiting: oldest?.recordedAt,
    status: rows[0]?.moved ? 'catching-up' : 'stalled',
  }
}

/** A projection's lag, from its checkpoint and when that last moved. */
export async function projectionLag(
  db: Kysely<DB>,
  projection: Projection,
  stallSeconds: number,
): Promise<Lag> {
  const row = await db
    .withSchema(projection.schema)
    .selectFrom('checkpoint')
    .select([sql<string>`transaction_id::text`.as('tx'), 'global_position', 'updated_at'])
    .where('id', '=', 1)
    .executeTakeFirstOrThrow()
  const position = { transactionId: BigInt(row.tx), globalPosition: row.global_position }
  return lagBehindLog(db, position, row.updated_at, stallSeconds)
}

/** A readiness check: throws while any of `projections` is stalled. */
export function projectionsNotStalled(
  db: Kysely<DB>,
  projections: readonly Projection[],
  stallSeconds: number,
): () => Promise<void> {
  return async () => {
    const stalled: string[] = []
    for (const p of projections) {
      const lag = await projectionLag(db, p, stallSeconds)
      if (lag.status === 'stalled') stalled.push(`${p.name} (${lag.lagEvents} events waiting)`)
    }
    if (stalled.length > 0) {
      throw new Error(`stalled for over ${stallSeconds} s: ${stalled.join(', ')}`)
    }
  }
}
