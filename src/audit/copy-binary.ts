// PostgreSQL's binary COPY format, read as it arrives (chunks cut anywhere): a header, then one
// tuple per row (a field count, then each field's length and bytes), then a trailer. The rows are
// handed over as offsets into the chunk, so that nothing is copied or decoded that is not needed.
// https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.4

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1')
/** signature, flags (int32), header extension length (int32) */
const HEADER_BYTES = SIGNATURE.length + 8
/** Flag bit 16: the rows carry OIDs (never asked for here). */
const WITH_OIDS = 1 << 16
/** How much of a chunk is copied to complete the row the chunk before it cut. */
const JOIN_BYTES = 4 * 1024

export class CopyFormatError extends Error {
  override name = 'CopyFormatError'
}

export class CopyBinaryRows {
  /** Where each field of the row being handed over starts and ends in its chunk. */
  readonly start: Int32Array
  readonly end: Int32Array
  private pending: Buffer | undefined
  private inHeader = true
  private ended = false

  constructor(readonly fields: number) {
    this.start = new Int32Array(fields)
    this.end = new Int32Array(fields)
  }

  /**
   * Hands every complete row of `chunk` (after what earlier chunks left over) to `row`, with its
   * fields at `start`/`end`; keeps an incomplete last row for the next chunk. The rows handed over.
   */
  push(chunk: Buffer, row: (buf: Buffer) => void): number {
    const pending = this.pending
    this.pending = undefined
    if (this.inHeader) return this.header(pending ? Buffer.concat([pending, chunk]) : chunk, row)
    if (!pending) return this.rows(chunk, 0, row, Number.POSITIVE_INFINITY)
    // The row cut at the last chunk's end, completed from the head of this one: copying that
    // much, not the whole chunk, unless the row is longer.
    const head = Buffer.concat([pending, chunk.subarray(0, JOIN_BYTES)])
    const first = this.rows(head, 0, row, 1)
    const resume = this.consumed - pending.length
    if (first === 0 && !this.ended) {
      this.pending = undefined
      return this.rows(Buffer.concat([pending, chunk]), 0, row, Number.POSITIVE_INFINITY)
    }
    this.pending = undefined
    return first + this.rows(chunk, resume, row, Number.POSITIVE_INFINITY)
  }

  private header(buf: Buffer, row: (buf: Buffer) => void): number {
    const signature = buf.subarray(0, SIGNATURE.length)
    if (!signature.equals(SIGNATURE.subarray(0, signature.length))) {
      throw new CopyFormatError('not a binary COPY stream')
    }
    if (buf.length < HEADER_BYTES || buf.length < HEADER_BYTES + buf.readUInt32BE(15)) {
      this.pending = buf
      return 0
    }
    if (buf.readUInt32BE(11) & WITH_OIDS) throw new CopyFormatError('rows with OIDs')
    this.inHeader = false
    return this.rows(buf, HEADER_BYTES + buf.readUInt32BE(15), row, Number.POSITIVE_INFINITY)
  }

  /** Where the last call to rows() stopped. */
  private consumed = 0

  /** Hands over up to `most` whole rows of `buf` from `p`; keeps what follows them as pending. */
  private rows(buf: Buffer, from: number, row: (buf: Buffer) => void, most: number): number {
    const { fields, start, end } = this
    const length = buf.length
    let p = from
    let rows = 0
    while (rows < most && !this.ended && p + 2 <= length) {
      const count = buf.readInt16BE(p)
      if (count === -1) {
        this.ended = true
        p += 2
        break
      }
      if (count !== fields) throw new CopyFormatError(`a row of ${count} fields, not ${fields}`)
      let q = p + 2
      let whole = true
      for (let i = 0; i < fields; i++) {
        if (q + 4 > length) {
          whole = false
          break
        }
        const size = buf.readInt32BE(q)
        if (size < 0) throw new CopyFormatError(`field ${i} is NULL`)
        q += 4
        if (q + size > length) {
          whole = false
          break
        }
        start[i] = q
        q += size
        end[i] = q
      }
      if (!whole) break
      row(buf)
      rows++
      p = q
    }
    this.consumed = p
    if (p < length) {
      if (this.ended) throw new CopyFormatError('bytes after the trailer')
      this.pending = buf.subarray(p)
    }
    return rows
  }

  /** Throws unless the stream ended exactly with its trailer. */
  finish(): void {
    if (!this.ended) throw new CopyFormatError('the COPY stream ended before its trailer')
  }
}
