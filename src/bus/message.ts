// An event as it travels on JetStream: the stored event with its log position, as JSON.
import { decodePosition, encodePosition } from '../eventstore/position.js'
import type { StoredEvent } from '../eventstore/reader.js'

interface Wire {
  position: string
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

export function encodeEvent(e: StoredEvent): Uint8Array {
  const wire: Wire = {
    position: encodePosition(e.position),
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

export function decodeEvent(bytes: Uint8Array): StoredEvent {
  const w = JSON.parse(decoder.decode(bytes)) as Wire
  return {
    position: decodePosition(w.position),
    token: w.position,
    eventId: w.eventId,
    streamId: w.streamId,
    streamVersion: w.streamVersion,
    type: w.type,
    data: w.data,
    metadata: w.metadata,
    recordedAt: new Date(w.recordedAt),
  }
}
