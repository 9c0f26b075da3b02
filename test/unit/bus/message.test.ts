import { randomBytes } from 'node:crypto'
import t from 'tap'
import { decodeEvent, encodeEvent, MalformedMessageError } from '../../../src/bus/message.js'
import { busKey } from '../../../src/bus/signing.js'
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

t.test(
  'anything else on the subjects is a MalformedMessageError, never another error',
  async (t) => {
    const wire = JSON.parse(new TextDecoder().decode(encodeEvent(event, START)))
    const bytes = (v: unknown) => new TextEncoder().encode(JSON.stringify(v))
    const junk: [string, Uint8Array][] = [
      ['not json', new TextEncoder().encode('not json')],
      ['invalid UTF-8', Uint8Array.of(0x7b, 0xff, 0x7d)],
      ['null', bytes(null)],
      ['an array', bytes([wire])],
      ['no position', bytes({ ...wire, position: undefined })],
      ['a position that is not a token', bytes({ ...wire, position: 'zz' })],
      ['a position past the safe integers', bytes({ ...wire, position: 'f'.repeat(32) })],
      ['a bad link', bytes({ ...wire, previous: 42 })],
      ['a stream without a category', bytes({ ...wire, streamId: 'book' })],
      ['version 0', bytes({ ...wire, streamVersion: 0 })],
      ['no metadata', bytes({ ...wire, metadata: null })],
      ['a time that is not one', bytes({ ...wire, recordedAt: 'yesterday' })],
    ]
    for (const [what, b] of junk) t.throws(() => decodeEvent(b), MalformedMessageError, what)
  },
)

t.test("a signature verifies with the deployment's key only", async (t) => {
  const key = busKey(randomBytes(32))
  const payload = encodeEvent(event, START)
  const signature = key.sign(payload)
  t.ok(key.verifies(payload, signature))
  t.notOk(key.verifies(payload, undefined), 'unsigned')
  t.notOk(key.verifies(payload, 'AAAA'), 'too short')
  t.notOk(busKey(randomBytes(32)).verifies(payload, signature), 'another key')
  const tampered = Uint8Array.from(payload)
  tampered[tampered.length - 3]! ^= 1
  t.notOk(key.verifies(tampered, signature), 'a changed payload')
})
