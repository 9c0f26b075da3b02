// The export's records, written from the binary COPY of the export query (export.ts) byte for
// byte, without a row object, a Date or a parsed payload per record: what PostgreSQL sends as
// text is copied (escaped or quoted where the format asks), only integers and the time are
// formatted here. The bytes are those of the export as it was written from decoded rows
// (test/integration/export-oracle.test.ts).
import { CopyBinaryRows } from './copy-binary.js'
import type { ExportFormat } from './export.js'
import {
  newSink,
  putBytes,
  putCompactJson,
  putCsvField,
  putInteger,
  putJsonString,
  reserve,
  type Sink,
} from './record-bytes.js'

/** The export query's columns, in its order; each field's binary form (COPY ... FORMAT binary). */
export const EXPORT_COLUMNS = [
  'transaction_id', // xid8: uint64
  'global_position', // int8
  'stream_id', // text: UTF-8
  'stream_version', // int4
  'type', // text
  'data', // jsonb: a version byte (1), then its text
  'metadata', // jsonb
  'recorded_at', // timestamptz: int64 microseconds since 2000-01-01 UTC
  'prev_hash', // text: 64 hex digits
  'hash', // text
] as const
const [TX, POS, STREAM, VERSION, TYPE, DATA, METADATA, RECORDED, PREV, HASH] = [
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
]
const JSONB_VERSION = 1
const MS_2000 = Date.UTC(2000, 0, 1)

const ascii = (text: string) => Buffer.from(text, 'latin1')
const NDJSON = {
  position: ascii('{"position":"'),
  streamId: ascii('","streamId":'),
  version: ascii(',"version":'),
  type: ascii(',"type":'),
  data: ascii(',"data":'),
  metadata: ascii(',"metadata":'),
  recordedAt: ascii(',"recordedAt":"'),
  prevHash: ascii('","prevHash":"'),
  hash: ascii('","hash":"'),
  end: ascii('"}\n'),
}
const CSV_END = ascii('\r\n')

/** Two hex digits per byte value, as to_hex and encodePosition write them. */
const HEX = ascii(Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0')).join(''))

/** The records of a chunk are written in one buffer of this size, grown for larger chunks. */
const OUT_BYTES = 16 * 1024
const EMPTY = Buffer.alloc(0)

export class ExportEncoder {
  private rows = new CopyBinaryRows(EXPORT_COLUMNS.length)
  private out: Sink = newSink(OUT_BYTES)
  /** CSV: a jsonb's compact text, before it is quoted */
  private readonly json: Sink = newSink(4 * 1024)
  private second = Number.NaN
  private secondText = Buffer.alloc(0)
  /** The last record's row: its buffer and where its position and hash are in it. */
  private lastRow: Buffer | undefined
  private lastTx = 0
  private lastPos = 0
  private lastHash = 0
  private readonly row: (buf: Buffer) => void

  constructor(format: ExportFormat) {
    this.row = format === 'ndjson' ? (buf) => this.ndjson(buf) : (buf) => this.csv(buf)
  }

  /**
   * The records of the rows completed by `chunk`, as bytes that end where a record ends (so each
   * chunk is whole UTF-8 text), and how many records they are. The bytes are the encoder's own
   * buffer, written over by the next call: a reader that keeps them copies them.
   */
  write(chunk: Buffer): { bytes: Buffer; records: number } {
    this.out.pos = 0
    // NDJSON is about a fifth longer than the binary rows: room for that without growing.
    reserve(this.out, chunk.length + (chunk.length >> 1))
    const records = this.rows.push(chunk, this.row)
    if (records === 0) return { bytes: EMPTY, records }
    return { bytes: this.out.buf.subarray(0, this.out.pos), records }
  }

  /** Ends one COPY stream (throws if it was cut short); another may follow (pages). */
  endCopy(): void {
    this.rows.finish()
    this.rows = new CopyBinaryRows(EXPORT_COLUMNS.length)
  }

  /** The last record written: its position token and hash (for the head), or undefined. */
  lastRecord(): { position: string; hash: string } | undefined {
    const row = this.lastRow
    if (!row) return undefined
    return {
      position:
        row.toString('hex', this.lastTx, this.lastTx + 8) +
        row.toString('hex', this.lastPos, this.lastPos + 8),
      hash: row.toString('latin1', this.lastHash, this.lastHash + 64),
    }
  }

  private remember(src: Buffer, start: Int32Array): void {
    this.lastRow = src
    this.lastTx = start[TX]!
    this.lastPos = start[POS]!
    this.lastHash = start[HASH]!
  }

  private ndjson(src: Buffer): void {
    const { start, end } = this.rows
    this.remember(src, start)
    const s = this.out
    reserve(s, 256 + 6 * (end[STREAM]! - start[STREAM]! + end[TYPE]! - start[TYPE]!))
    putConst(s, NDJSON.position)
    putHex(s, src, start[TX]!, 8)
    putHex(s, src, start[POS]!, 8)
    putConst(s, NDJSON.streamId)
    putJsonString(s, src, start[STREAM]!, end[STREAM]!)
    putConst(s, NDJSON.version)
    putInteger(s, src.readInt32BE(start[VERSION]!))
    putConst(s, NDJSON.type)
    putJsonString(s, src, start[TYPE]!, end[TYPE]!)
    putConst(s, NDJSON.data)
    putCompactJson(s, src, jsonbText(src, start[DATA]!), end[DATA]!)
    putConst(s, NDJSON.metadata)
    putCompactJson(s, src, jsonbText(src, start[METADATA]!), end[METADATA]!)
    reserve(s, 256)
    putConst(s, NDJSON.recordedAt)
    this.putTime(s, src, start[RECORDED]!)
    putConst(s, NDJSON.prevHash)
    putBytes(s, src, start[PREV]!, end[PREV]!)
    putConst(s, NDJSON.hash)
    putBytes(s, src, start[HASH]!, end[HASH]!)
    putConst(s, NDJSON.end)
  }

  private csv(src: Buffer): void {
    const { start, end } = this.rows
    this.remember(src, start)
    const s = this.out
    reserve(s, 64)
    putHex(s, src, start[TX]!, 8)
    putHex(s, src, start[POS]!, 8)
    putComma(s)
    putCsvField(s, src, start[STREAM]!, end[STREAM]!)
    putComma(s)
    putInteger(s, src.readInt32BE(start[VERSION]!))
    putComma(s)
    putCsvField(s, src, start[TYPE]!, end[TYPE]!)
    putComma(s)
    this.putCsvJson(s, src, jsonbText(src, start[DATA]!), end[DATA]!)
    putComma(s)
    this.putCsvJson(s, src, jsonbText(src, start[METADATA]!), end[METADATA]!)
    reserve(s, 256)
    putComma(s)
    this.putTime(s, src, start[RECORDED]!)
    putComma(s)
    putBytes(s, src, start[PREV]!, end[PREV]!)
    putComma(s)
    putBytes(s, src, start[HASH]!, end[HASH]!)
    putConst(s, CSV_END)
  }

  private putCsvJson(s: Sink, src: Buffer, from: number, to: number): void {
    const json = this.json
    json.pos = 0
    putCompactJson(json, src, from, to)
    putCsvField(s, json.buf, 0, json.pos)
  }

  /**
   * Date.prototype.toISOString of the timestamptz at `at`, truncated to the millisecond as
   * node-postgres parsed it; the text up to the second is kept from the record before.
   */
  private putTime(s: Sink, src: Buffer, at: number): void {
    const high = src.readInt32BE(at)
    let ms: number
    if (high > -0x100000 && high < 0x100000) {
      // Below 2^52 microseconds a double holds the time exactly, and the division floors right.
      ms = Math.floor((high * 2 ** 32 + src.readUInt32BE(at + 4)) / 1000) + MS_2000
    } else {
      const us = src.readBigInt64BE(at)
      ms = Number(us / 1000n - (us % 1000n < 0n ? 1n : 0n)) + MS_2000
    }
    const second = Math.floor(ms / 1000)
    if (second !== this.second) {
      // toISOString ends with .sssZ whatever the year
      this.secondText = ascii(new Date(second * 1000).toISOString().slice(0, -4))
      this.second = second
    }
    putConst(s, this.secondText)
    const milli = ms - second * 1000
    reserve(s, 4)
    s.buf[s.pos++] = 0x30 + Math.floor(milli / 100)
    s.buf[s.pos++] = 0x30 + (Math.floor(milli / 10) % 10)
    s.buf[s.pos++] = 0x30 + (milli % 10)
    s.buf[s.pos++] = 0x5a
  }
}

/** Where a jsonb field's text starts, after its version byte. */
function jsonbText(src: Buffer, at: number): number {
  if (src[at] !== JSONB_VERSION) throw new TypeError(`jsonb of binary version ${src[at]}`)
  return at + 1
}

function putConst(s: Sink, bytes: Buffer): void {
  putBytes(s, bytes, 0, bytes.length)
}

function putComma(s: Sink): void {
  reserve(s, 1)
  s.buf[s.pos++] = 0x2c
}

function putHex(s: Sink, src: Buffer, at: number, length: number): void {
  reserve(s, 2 * length)
  const buf = s.buf
  let p = s.pos
  for (let i = at; i < at + length; i++) {
    const b = src[i]! << 1
    buf[p++] = HEX[b]!
    buf[p++] = HEX[b + 1]!
  }
  s.pos = p
}
