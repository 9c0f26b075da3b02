// Where in the log an actor's last event is (metadata.actor, set by every command of a signed-in
// caller and by registration): what a query waits for so that the caller reads their own writes.
// One descent of the index events_by_actor, whatever the actor's history.
import { type Kysely, type RawBuilder, sql } from 'kysely'
import { runStatement } from '../db/reads.js'
import type { DB } from '../db/tables.js'
import type { Position } from './position.js'

/**
 * A scalar subquery: `'<transaction_id> <global_position>'` of the actor's last event, or NULL when
 * the actor has none. Uncorrelated, so PostgreSQL runs it once per statement it is part of.
 */
export function lastPositionOf(actor: string): RawBuilder<string | null> {
  return sql<string | null>`(
    SELECT e.transaction_id::text || ' ' || e.global_position FROM events e
     WHERE e.metadata ? 'actor' AND e.metadata->>'actor' = ${actor}
     ORDER BY e.transaction_id DESC, e.global_position DESC LIMIT 1)`
}

export function parseLastPosition(text: string | null): Position | undefined {
  if (text === null) return undefined
  const [tx = '', gp = ''] = text.split(' ')
  return { transactionId: BigInt(tx), globalPosition: Number(gp) }
}

/** The lookup on its own, for reads that cannot carry it in their statement. */
export async function actorLastPosition(
  db: Kysely<DB>,
  actor: string,
): Promise<Position | undefined> {
  const rows = await runStatement<{ p: string | null }>(
    db,
    'actor last position',
    (v) => sql`SELECT ${lastPositionOf((v as { actor: string }).actor)} AS p`.compile(db),
    { actor },
  )
  return parseLastPosition(rows[0]?.p ?? null)
}
