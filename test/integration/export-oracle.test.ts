// The streamed export against the export as it was before it streamed from a cursor: the old
// serializer lives on here, and only here, as the oracle. Same varied log, same filters and
// resumption points: the records must be the same bytes (the chain's fields, added since, are
// checked to be appended to each record and nothing else).
import { randomUUID } from 'node:crypto'
import fc from 'fast-check'
import { sql } from 'kysely'
import t from 'tap'
import { extendChain } from '../../src/audit/chain-writer.js'
import {
  type ExportFormat,
  type ExportInput,
  exportStream,
  parseExportInput,
} from '../../src/audit/export.js'
import { appendToStreams } from '../../src/eventstore/append.js'
import { readLogFrom, type StoredEvent } from '../../src/eventstore/reader.js'
import { forEachBackend, settledLog } from '../helpers/db.js'

// ---- the oracle: the serializer of the export before this change, verbatim -------------------
function oldRecord(e: StoredEvent) {
  return {
    position: e.token,
    streamId: e.streamId,
    version: e.streamVersion,
    type: e.type,
    data: e.data,
    metadata: e.metadata,
    recordedAt: e.recordedAt.toISOString(),
  }
}
const OLD_COLUMNS = ['position', 'streamId', 'version', 'type', 'data', 'metadata', 'recordedAt']
function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value
}
function csvLine(fields: string[]): string {
  return `${fields.map(csvField).join(',')}\r\n`
}
function oldFormat(record: ReturnType<typeof oldRecord>, as: ExportFormat): string {
  if (as === 'ndjson') return `${JSON.stringify(record)}\n`
  return csvLine([
    record.position,
    record.streamId,
    String(record.version),
    record.type,
    JSON.stringify(record.data),
    JSON.stringify(record.metadata),
    record.recordedAt,
  ])
}
// ------------------------------------------------------------------------------------------------

const text = async (stream: NodeJS.ReadableStream) => {
  let out = ''
  for await (const chunk of stream) out += chunk
  return out
}

/** Data that JSON and PostgreSQL's jsonb treat differently, or that needs quoting in CSV. */
const PAYLOADS: unknown[] = [
  { title: 'Quotes "and" commas, here', description: 'line one\r\nline two\nthree\ttab' },
  { z: 1, a: 2, m: { y: [3, 2, 1], b: null }, '': 'empty key' },
  { unicode: 'é ü ß 日本語 emoji 🦄👩‍👩‍👧 combining é', rtl: 'עברית' },
  { control: '\u0001\u001f\u007f\u2028\u2029', slash: 'a/b\\c' },
  { big: 2 ** 64, tiny: 1e-7, huge: 1e21, frac: 0.1, neg: -0, exp: 2.5e10 },
  { amountCents: 450, nested: [[[]], {}, [{ deep: { deeper: true } }]] },
  'a bare string',
  [1, 'two', false],
  42,
]

forEachBackend(t, async (t, database, backend) => {
  const db = database.db
  const streams = ['book-a', 'book-b', 'account-c']
  const versions = new Map<string, number>()
  for (let i = 0; i < 60; i++) {
    const streamId = streams[i % streams.length]!
    const v = versions.get(streamId) ?? 0
    const n = 1 + (i % 3)
    await appendToStreams(db, [
      {
        streamId,
        expectedVersion: v,
        state: {},
        events: Array.from({ length: n }, (_, k) => ({
          eventId: randomUUID(),
          type: ['BookAdded', 'PaymentRecorded', 'RentalReturned'][(i + k) % 3]!,
          data: PAYLOADS[(i + k) % PAYLOADS.length],
          metadata: { actor: `user-${i}`, correlationId: randomUUID(), 'z-last': i, aFirst: k },
        })),
      },
    ])
    versions.set(streamId, v + n)
  }
  // Numbers JSON cannot hold exactly, written as jsonb text: the export rounds them as it did.
  await sql`INSERT INTO events (event_id, stream_id, stream_version, type, data)
            VALUES (${randomUUID()}, 'raw-1', 1, 'RawNumbers',
                    '{"exact": 12345678901234567890123, "dec": 1.50, "e": 1E+2}'::jsonb)`.execute(
    db,
  )
  // Since the export writes PostgreSQL's bytes itself (src/audit/record-bytes.ts): jsonb texts
  // that JavaScript would write otherwise (member names of digits, which it orders first; numbers
  // it rounds, overflows or writes with an exponent; escapes), names that need escaping or
  // quoting, times at the edges of the millisecond and of the calendar, and values large enough
  // to be cut across the stream's chunks.
  const raw = [
    {
      streamId: 'odd "stream", id\r\nwith\\ \u0001\u007f é 🦄',
      type: 'Type, "quoted"\nand\ttabbed',
      data: '{"10": 1, "a": 2, "2": 3, "01": 4, "4294967295": 5, "4294967294": 6, "-1": 7, "": 8}',
      metadata: '{"actor": "u", "0": [1.0, 2.50]}',
      at: '2026-12-01 10:00:00.999999+00',
    },
    {
      streamId: 'raw-2',
      type: 'RawEdges',
      data: '[{"1": {"0": "zero"}}, {"x": {"7": [1, 2]}}, {"a": "123", "b": ["45", "6"], "c": {"k": "1: 2, 3"}}]',
      metadata: '{}',
      at: '1999-12-31 23:59:59.9995+00',
    },
    {
      streamId: 'raw-3',
      type: 'RawEdges',
      data: '{"n": [1e-400, -1e-400, -0.0, 0.000001, 0.0000001, 0.00000123, 1e20, 1e21, 123456789012345678901, 999999999999999, -999999999999999, 1000000000000000, -1000000000000000, 9007199254740993, 1.0, 100.000, -2.5e-3, 5e-324, 1.7976931348623157e308]}',
      metadata: '{"big": 123456789012345678901234567890, "n": -0.1}',
      at: '1969-07-20 20:17:40.000001+00',
    },
    {
      streamId: 'raw-4',
      type: 'RawEdges',
      data: '{"s": "colon\\": \\"quote, comma\\\\", "ctl": "\\u0001\\u001f\\b\\f\\n\\r\\t\\u007f\\u2028 \\ud83e\\udd84 \\/"}',
      metadata: '"12"',
      at: '2026-12-01 10:00:00.5+00',
    },
    {
      streamId: 'raw-5',
      type: 'RawEdges',
      data: '[]',
      metadata: 'null',
      at: '12345-01-01 00:00:00+00',
    },
    {
      streamId: 'raw-6',
      type: 'RawEdges',
      data: '{}',
      metadata: 'true',
      at: '2026-12-01 10:00:00+00',
    },
    {
      streamId: 'raw-7',
      type: 'RawEdges',
      data: '[[], {}, [null, false], "", 0, -1]',
      metadata: '[1, "two"]',
      at: '2000-01-01 00:00:00+00',
    },
    // PGlite reads years below 100 as 19xx and BC years as an invalid date (its chain and its
    // export alike, before and after): on PostgreSQL only.
    ...(backend === 'postgres'
      ? [
          {
            streamId: 'raw-8',
            type: 'Y',
            data: '1',
            metadata: '{}',
            at: '0099-06-01 12:00:00.5+00',
          },
          {
            streamId: 'raw-9',
            type: 'Y',
            data: '2',
            metadata: '{}',
            at: '0044-03-15 12:00:00+00 BC',
          },
        ]
      : []),
  ]
  for (const [i, r] of raw.entries()) {
    await sql`INSERT INTO events (event_id, stream_id, stream_version, type, data, metadata, recorded_at)
              VALUES (${randomUUID()}, ${r.streamId}, ${i + 1}, ${r.type}, ${r.data}::jsonb,
                      ${r.metadata}::jsonb, ${r.at}::timestamptz)`.execute(db)
  }
  await appendToStreams(db, [
    {
      streamId: 'large',
      expectedVersion: 0,
      state: {},
      events: [
        { eventId: randomUUID(), type: 'Large', data: { text: `${'x"\\é'.repeat(100_000)}\n` } },
        {
          eventId: randomUUID(),
          type: 'Large',
          data: Object.fromEntries(Array.from({ length: 5000 }, (_, k) => [`k${k}`, k * 1.5])),
          metadata: { numbers: Array.from({ length: 5000 }, (_, k) => k / 7) },
        },
      ],
    },
  ])
  // And JSON of every shape, from a fixed seed (jsonb holds no NUL and no lone surrogate; a null would be SQL NULL).
  const samples = fc
    .sample(fc.jsonValue({ maxDepth: 3 }), { numRuns: 150, seed: 13 })
    .filter((v) => v !== null && !/\\u0000|\\ud[89a-f]/i.test(JSON.stringify(v)))
  await appendToStreams(db, [
    {
      streamId: 'samples',
      expectedVersion: 0,
      state: {},
      events: samples.map((v, i) => ({
        eventId: randomUUID(),
        type: 'Sample',
        data: v,
        metadata: i % 2 ? { [String(i)]: v, i } : { sample: v, i },
      })),
    },
  ])
  const log = await settledLog(db)
  await extendChain(db)
  const times = [...new Set(log.map((e) => e.recordedAt.toISOString()))].sort()

  const cases: ExportInput[] = [
    {},
    { after: log[0]!.token },
    { after: log[70]!.token },
    { after: log[log.length - 1]!.token },
    { type: 'PaymentRecorded' },
    { type: 'BookAdded, RentalReturned' },
    { streamId: 'book-b' },
    { streamId: 'book-b', after: log[30]!.token },
    { from: times[5], to: times[times.length - 3] },
    { from: times[2], type: 'BookAdded' },
    { type: 'Type, "quoted"\nand\ttabbed,RawEdges' },
    { streamId: 'odd "stream", id\r\nwith\\ \u0001\u007f é 🦄' },
    { streamId: "it's \\ nobody's" },
    { from: '1999-12-31T23:59:59.999Z', to: '2026-12-01T10:00:01Z' },
  ]
  for (const format of ['ndjson', 'csv'] as const) {
    for (const input of cases) {
      const query = parseExportInput(input)
      let expected = format === 'csv' ? csvLine(OLD_COLUMNS) : ''
      for await (const page of readLogFrom(db, query.after, 7, query.filter)) {
        expected += page.map((e) => oldFormat(oldRecord(e), format)).join('')
      }
      for (const pageSize of [1, 5, 1000]) {
        const got = await text(exportStream(database, { ...query, format, pageSize }))
        t.equal(
          withoutChainFields(got, format),
          expected,
          `${format} ${JSON.stringify(input)}, ${pageSize} rows at a time: the same bytes`,
        )
      }
    }
  }
})

/**
 * The export since the chain: each record ends with prevHash and hash (an NDJSON record's last
 * two members, a CSV row's last two columns). Removing exactly those must give the old bytes.
 */
function withoutChainFields(exported: string, format: ExportFormat): string {
  const hex = '[0-9a-f]{64}'
  if (format === 'ndjson') {
    return exported.replace(new RegExp(`,"prevHash":"${hex}","hash":"${hex}"}\n`, 'g'), '}\n')
  }
  return exported
    .replace(/^(.*),prevHash,hash\r\n/, '$1\r\n')
    .replace(new RegExp(`,${hex},${hex}\r\n`, 'g'), '\r\n')
}
