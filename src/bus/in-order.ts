// JetStream delivers a durable consumer's messages in stream order, except that redeliveries (an
// ack that never came, a nak) can arrive twice or after newer messages. A projection must apply
// the log in order, exactly once, so each delivered batch is checked: when it is exactly the log's
// next events after the checkpoint it is applied as delivered; otherwise the events up to the last
// one delivered are taken from the log itself, the source of truth, and the late messages are
// skipped as already applied when they come. The check needs no read of the log when each event
// names its predecessor (the relay links them, message.ts) and the links run unbroken from the
// checkpoint; messages without links are compared with the log.
import type { Kysely } from 'kysely'
import type { DB } from '../db/tables.js'
import { comparePositions } from '../eventstore/position.js'
import { readLog, readLogFrom, type StoredEvent } from '../eventstore/reader.js'
import { readCheckpoint } from '../projector/apply-batch.js'
import { inOrderAfter, linkedFrom } from '../projector/order.js'
import type { Projection } from '../projector/projection.js'
import type { DeliveredEvent } from './message.js'

export interface InOrderBatch {
  events: StoredEvent[]
  /** true when the batch had to be taken from the log (NATS delivered out of order) */
  filled: boolean
}

export async function inLogOrder(
  db: Kysely<DB>,
  projection: Projection,
  delivered: readonly DeliveredEvent[],
): Promise<InOrderBatch> {
  const from = await readCheckpoint(db, projection.schema)
  const fresh = inOrderAfter(from, delivered)
  if (fresh.length === 0) return { events: [], filled: false }
  if (linkedFrom(from, fresh)) return { events: fresh, filled: false }
  const next = await readLog(db, { after: from, limit: fresh.length })
  // The same events as the log's next ones: applied as the log has them, never as delivered.
  if (next.length === fresh.length && next.every((e, i) => e.eventId === fresh[i]!.eventId)) {
    return { events: next, filled: false }
  }
  const until = fresh[fresh.length - 1]!.position
  const events: StoredEvent[] = []
  for await (const page of readLogFrom(db, from, 1000)) {
    for (const e of page) {
      if (comparePositions(e.position, until) > 0) return { events, filled: true }
      events.push(e)
    }
  }
  return { events, filled: true }
}
