// An event as it travels on JetStream: the stored event with its log position, as JSON, and the
// position of the event before it in the log. That link lets a worker see that a batch is exactly
// the log's next events without reading the log (in-order.ts).
import { decodePosition, encodePosition, type Position } from '../eventstore/position.js'
import type { StoredEvent } from '../eventstore/reader.js'
import type { LinkedEvent } from '../projector/order.js'

/** A delivered event; `previous` is absent in messages of relays older than the link. */
export type DeliveredEvent = LinkedEvent

interface Wire {
  position: string
  previous: string
  eventId: string
  streamId: string
  streamVersion: number
  type: string
  data: unknown
  metadata: Record<string, unknown>
  recordedAt: string
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()

export function encodeEvent(e: StoredEvent, previous: Position): Uint8Array {
  const wire: Wire = {
    position: encodePosition(e.position),
    previous: encodePosition(previous),
    eventId: e.eventId,
    streamId: e.streamId,
    streamVersion: e.streamVersion,
    type: e.type,
    data: e.data,
    metadata: e.metadata,
    recordedAt: e.recordedAt.toISOString(),
  }
  return encoder.encode(JSON.stringify(wire))
}

export function decodeEvent(bytes: Uint8Array): DeliveredEvent {
  const w = JSON.parse(decoder.decode(bytes)) as Partial<Wire> & Omit<Wire, 'previous'>
  return {
    position: decodePosition(w.position),
    token: w.position,
    ...(typeof w.previous === 'string' && { previous: w.previous }),
    eventId: w.eventId,
    streamId: w.streamId,
    streamVersion: w.streamVersion,
    type: w.type,
    data: w.data,
    metadata: w.metadata,
    recordedAt: new Date(w.recordedAt),
  }
}
