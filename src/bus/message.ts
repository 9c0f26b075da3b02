// An event as it travels on JetStream: the stored event with its log position, as JSON, and the
// position of the event before it in the log. That link lets a worker see that a batch is exactly
// the log's next events without reading the log (in-order.ts). Anyone able to publish on the
// subjects can put anything on the stream, so decoding checks every field and throws
// MalformedMessageError on what is not a message of ours: the worker sets such a message aside.
import { type Static, Type } from 'typebox'
import { Compile } from 'typebox/compile'
import { decodePosition, encodePosition, type Position } from '../eventstore/position.js'
import type { StoredEvent } from '../eventstore/reader.js'
import type { LinkedEvent } from '../projector/order.js'

/** A delivered event; `previous` is absent in messages of relays older than the link. */
export type DeliveredEvent = LinkedEvent

const Token = Type.String({ pattern: '^[0-9a-f]{32}$' })
const Wire = Type.Object({
  position: Token,
  previous: Type.Optional(Token),
  eventId: Type.String({ minLength: 1 }),
  streamId: Type.String({ pattern: '^[^-]+-' }),
  streamVersion: Type.Integer({ minimum: 1 }),
  type: Type.String({ minLength: 1 }),
  data: Type.Unknown(),
  metadata: Type.Record(Type.String(), Type.Unknown()),
  recordedAt: Type.String({ format: 'date-time' }),
})
type Wire = Static<typeof Wire>
// Compiled once: a worker checks every message it receives.
const wire = Compile(Wire)

/** Bytes on the stream that are not an event message. */
export class MalformedMessageError extends Error {
  override name = 'MalformedMessageError'
}

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

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
  let w: unknown
  try {
    w = JSON.parse(decoder.decode(bytes))
  } catch (err) {
    throw new MalformedMessageError(`not JSON: ${(err as Error).message}`)
  }
  if (!wire.Check(w)) {
    const first = wire.Errors(w)[0]
    throw new MalformedMessageError(
      `not an event message: ${first ? `${first.instancePath || '/'} ${first.message}` : 'invalid'}`,
    )
  }
  let position: Position
  try {
    position = decodePosition(w.position)
    if (w.previous !== undefined) decodePosition(w.previous)
  } catch (err) {
    throw new MalformedMessageError((err as Error).message)
  }
  return {
    position,
    token: w.position,
    ...(w.previous !== undefined && { previous: w.previous }),
    eventId: w.eventId,
    streamId: w.streamId,
    streamVersion: w.streamVersion,
    type: w.type,
    data: w.data,
    metadata: w.metadata,
    recordedAt: new Date(w.recordedAt),
  }
}
