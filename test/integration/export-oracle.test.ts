// The streamed export against the export as it was before it streamed from a cursor: the old
// serializer lives on here, and only here, as the oracle. Same varied log, same filters and
// resumption points: the records must be the same bytes (the chain's fields, added since, are
// checked to be appended to each record and nothing else).
import { randomUUID } from 'node:crypto'
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

forEachBackend(t, async (t, database) => {
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
