// The chain's canonical encoding: the same event gives the same bytes however its JSON was
// written (key order, escapes, number spelling), and RFC 8785's rules hold.
import fc from 'fast-check'
import t from 'tap'
import {
  type ChainedFields,
  canonicalBytes,
  chainHash,
  GENESIS,
} from '../../../src/audit/canonical.js'

/** The same object with its keys in another order, all the way down. */
function reorder(value: unknown, seed: number): unknown {
  if (Array.isArray(value)) return value.map((v) => reorder(v, seed))
  if (value && typeof value === 'object') {
    const entries = Object.entries(value)
    const rotated = entries.map((_, i) => entries[(i + seed) % entries.length]!).reverse()
    return Object.fromEntries(rotated.map(([k, v]) => [k, reorder(v, seed + 1)]))
  }
  return value
}

const json = fc.jsonValue({ maxDepth: 4 })
const event = fc.record({
  position: fc.stringMatching(/^[0-9a-f]{32}$/),
  streamId: fc.string({ unit: 'grapheme' }),
  version: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  type: fc.string(),
  data: json,
  metadata: fc.dictionary(fc.string({ unit: 'grapheme' }), json),
  recordedAt: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
}) as fc.Arbitrary<ChainedFields>

t.test('key order, JSON round trips and re-spelled input do not change the bytes', async (t) => {
  fc.assert(
    fc.property(event, fc.nat(), (e, seed) => {
      const bytes = canonicalBytes(e)
      const reordered = reorder(e, seed) as ChainedFields
      const roundTripped = JSON.parse(JSON.stringify(reordered, null, 2)) as ChainedFields
      return (
        bytes.equals(canonicalBytes(reordered)) &&
        bytes.equals(canonicalBytes(roundTripped)) &&
        chainHash(GENESIS, e) === chainHash(GENESIS, roundTripped)
      )
    }),
  )
  t.pass('held for every generated event')
})

t.test('a change of any field changes the hash; so does another previous hash', async (t) => {
  fc.assert(
    fc.property(event, fc.string({ minLength: 1 }), (e, extra) => {
      const h = chainHash(GENESIS, e)
      return (
        h !== chainHash(GENESIS, { ...e, type: e.type + extra }) &&
        h !== chainHash(GENESIS, { ...e, data: { was: e.data } }) &&
        h !== chainHash(GENESIS, { ...e, version: e.version + 1 }) &&
        h !== chainHash('f'.repeat(64), e)
      )
    }),
  )
  t.pass('held for every generated event')
})

t.test("RFC 8785's rules: number form, string escapes, UTF-16 key order", async (t) => {
  const e: ChainedFields = {
    position: '0'.repeat(32),
    streamId: 's',
    version: 1,
    type: 'T',
    data: {
      numbers: [1e21, 1e-7, 0.000001, 1 / 3, -0, 2 ** 64, 5e-324, 100.0],
      text: '€$\u000f\nA\'B"\\\\"/',
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    },
    metadata: {},
    recordedAt: '2026-01-01T00:00:00.000Z',
  }
  const text = canonicalBytes(e).toString('utf8')
  t.match(
    text,
    '"numbers":[1e+21,1e-7,0.000001,0.3333333333333333,0,18446744073709552000,5e-324,100]',
  )
  t.match(text, '"text":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"')
  // RFC 8785 section 3.2.3's example, in its order (JSON.parse would move '1' to the front).
  const at = [
    '"\\r":',
    '"1":',
    '"numbers":',
    '"text":',
    '"\u0080":',
    '"\u00f6":',
    '"\u20ac":',
    '"\ud83d\ude00":',
    '"\ufb33":',
  ].map((k) => text.indexOf(k))
  t.notOk(at.includes(-1), 'every key is there')
  t.same(
    at,
    [...at].sort((a, b) => a - b),
    'members in UTF-16 code unit order',
  )
})
