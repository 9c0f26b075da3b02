import t from 'tap'
import { decodeEvent, encodeEvent } from '../../../src/bus/message.js'
import { encodePosition, START } from '../../../src/eventstore/position.js'
import type { StoredEvent } from '../../../src/eventstore/reader.js'

const position = { transactionId: 7n, globalPosition: 42 }
const event: StoredEvent = {
  position,
  token: encodePosition(position),
  eventId: '00000000-0000-4000-8000-000000000001',
  streamId: 'book-1',
  streamVersion: 3,
  type: 'BookRented',
  data: { bookId: '1', cents: 150 },
  metadata: { actor: 'u' },
  recordedAt: new Date('2026-01-01T00:00:00.000Z'),
}

t.test('an event survives the wire, with the link to its predecessor', async (t) => {
  const before = { transactionId: 7n, globalPosition: 41 }
  t.same(decodeEvent(encodeEvent(event, before)), { ...event, previous: encodePosition(before) })
  t.equal(decodeEvent(encodeEvent(event, START)).previous, encodePosition(START))
})

t.test('a message from before the link decodes without one', async (t) => {
  const wire = JSON.parse(new TextDecoder().decode(encodeEvent(event, START)))
  delete wire.previous
  const decoded = decodeEvent(new TextEncoder().encode(JSON.stringify(wire)))
  t.notOk('previous' in decoded)
  t.same(decoded, event)
})
