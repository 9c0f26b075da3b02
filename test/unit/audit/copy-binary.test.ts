// Reading PostgreSQL's binary COPY as it arrives: the same rows whichever way the stream is cut
// into chunks, and a stream that is cut short or is not what was asked for is an error.
import t from 'tap'
import { CopyBinaryRows, CopyFormatError } from '../../../src/audit/copy-binary.js'

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1')

function int16(n: number): Buffer {
  const b = Buffer.alloc(2)
  b.writeInt16BE(n)
  return b
}
function int32(n: number): Buffer {
  const b = Buffer.alloc(4)
  b.writeInt32BE(n)
  return b
}

/** A binary COPY stream of text fields (a header extension of `extension` bytes). */
function copyStream(rows: (string | null)[][], extension = 0, trailer = true): Buffer {
  const parts = [SIGNATURE, int32(0), int32(extension), Buffer.alloc(extension)]
  for (const row of rows) {
    parts.push(int16(row.length))
    for (const field of row) {
      if (field === null) parts.push(int32(-1))
      else {
        const bytes = Buffer.from(field)
        parts.push(int32(bytes.length), bytes)
      }
    }
  }
  if (trailer) parts.push(int16(-1))
  return Buffer.concat(parts)
}

function read(stream: Buffer, chunkSize: number, fields = 3): string[][] {
  const reader = new CopyBinaryRows(fields)
  const rows: string[][] = []
  const row = (buf: Buffer) =>
    rows.push(
      Array.from({ length: fields }, (_, i) =>
        buf.toString('utf8', reader.start[i], reader.end[i]),
      ),
    )
  let handed = 0
  for (let at = 0; at < stream.length; at += chunkSize) {
    handed += reader.push(stream.subarray(at, at + chunkSize), row)
  }
  reader.finish()
  t.equal(handed, rows.length, 'push counts the rows it hands over')
  return rows
}

const ROWS = [
  ['a', '', 'ünïcode ✓ 🦄'],
  ['x'.repeat(70_000), '{"k": [1, 2]}', '\u0000\u0001\r\n'],
  ['last', 'row', '.'],
]

t.test('the same rows however the stream is cut', async (t) => {
  for (const extension of [0, 5]) {
    const stream = copyStream(ROWS, extension)
    for (const size of [1, 2, 3, 7, 19, 64, 65_536, stream.length]) {
      t.same(read(stream, size), ROWS, `extension ${extension}, chunks of ${size} bytes`)
    }
  }
})

t.test('an empty result is a header and a trailer', async (t) => {
  t.same(read(copyStream([]), 1), [])
  t.same(read(copyStream([]), 100), [])
})

t.test('a stream that is not the one asked for, or cut short, is an error', async (t) => {
  const reader = () => new CopyBinaryRows(3)
  const noop = () => {}
  t.throws(() => reader().push(Buffer.from('a,b,c\n'.repeat(5)), noop), CopyFormatError, 'text')
  t.throws(() => reader().push(copyStream([['a', 'b']]), noop), CopyFormatError, '2 fields of 3')
  t.throws(() => reader().push(copyStream([['a', null, 'c']]), noop), CopyFormatError, 'a NULL')
  const cut = reader()
  const stream = copyStream(ROWS, 0, false)
  t.equal(cut.push(stream.subarray(0, stream.length - 3), noop), 2, 'the rows before the cut')
  t.throws(() => cut.finish(), CopyFormatError, 'no trailer: cut short')
  t.throws(
    () => reader().push(Buffer.concat([copyStream(ROWS), Buffer.from('x')]), noop),
    CopyFormatError,
    'bytes after the trailer',
  )
})
