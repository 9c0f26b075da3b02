// Writing an export record's fields as bytes, straight from the UTF-8 that PostgreSQL sends, with
// the exact output of the JavaScript the export used to run on decoded rows: JSON.stringify of a
// text, JSON.stringify(JSON.parse(t)) of a jsonb's text t, and the RFC 4180 quoting of a CSV field.
// test/integration/export-oracle.test.ts holds them to that, byte for byte.

/** A growing output buffer: `buf` up to `pos` is written. */
export interface Sink {
  buf: Buffer
  pos: number
}

export function newSink(size: number): Sink {
  return { buf: Buffer.allocUnsafe(size), pos: 0 }
}

/** Makes room for `n` more bytes (growing moves the bytes: read `buf` again after). */
export function reserve(s: Sink, n: number): void {
  if (s.pos + n <= s.buf.length) return
  const grown = Buffer.allocUnsafe(Math.max(2 * s.buf.length, s.pos + n))
  s.buf.copy(grown, 0, 0, s.pos)
  s.buf = grown
}

export function putBytes(s: Sink, src: Uint8Array, from: number, to: number): void {
  reserve(s, to - from)
  const buf = s.buf
  let p = s.pos
  if (to - from > 512) {
    buf.set(src.subarray(from, to), p)
    s.pos = p + to - from
    return
  }
  for (let i = from; i < to; i++) buf[p++] = src[i]!
  s.pos = p
}

/** String(n) of an integer. */
export function putInteger(s: Sink, n: number): void {
  if (!(n >= 0 && n <= 0x7fffffff)) {
    putLatin1(s, String(n))
    return
  }
  let digits = 1
  for (let m = n; m >= 10; m = Math.floor(m / 10)) digits++
  reserve(s, digits)
  const buf = s.buf
  let m = n
  for (let p = s.pos + digits - 1; p >= s.pos; p--) {
    buf[p] = 0x30 + (m % 10)
    m = Math.floor(m / 10)
  }
  s.pos += digits
}

export function putLatin1(s: Sink, text: string): void {
  reserve(s, text.length)
  s.pos += s.buf.write(text, s.pos, 'latin1')
}

function putUtf8(s: Sink, text: string): void {
  reserve(s, Buffer.byteLength(text))
  s.pos += s.buf.write(text, s.pos, 'utf8')
}

/** JSON.stringify's escape of each byte that needs one (a control character, `"`, `\`). */
const ESCAPES: (Buffer | undefined)[] = Array.from({ length: 128 }, (_, c) => {
  const json = JSON.stringify(String.fromCharCode(c)).slice(1, -1)
  return json.length > 1 ? Buffer.from(json, 'latin1') : undefined
})

/**
 * JSON.stringify of the text in `src[from, to)` (UTF-8). Bytes of multi-byte characters are all
 * above 0x7f, and JSON.stringify escapes only characters below 0x20, `"` and `\` (and lone
 * surrogates, which valid UTF-8 cannot hold).
 */
export function putJsonString(s: Sink, src: Buffer, from: number, to: number): void {
  reserve(s, 2 + 6 * (to - from))
  const buf = s.buf
  let p = s.pos
  buf[p++] = 0x22
  for (let i = from; i < to; i++) {
    const c = src[i]!
    if (c >= 0x20 && c !== 0x22 && c !== 0x5c) {
      buf[p++] = c
      continue
    }
    const escaped = ESCAPES[c]!
    for (let k = 0; k < escaped.length; k++) buf[p++] = escaped[k]!
  }
  buf[p++] = 0x22
  s.pos = p
}

/** Integers of at most 15 digits are exact doubles, written by JavaScript just as PostgreSQL does. */
const EXACT_DIGITS = 15

/**
 * JSON.stringify(JSON.parse(t)) of a jsonb's text `t` in `src[from, to)`. PostgreSQL writes jsonb
 * (JsonbToCString) with one space after each `:` and `,`, strings escaped as JSON.stringify does
 * (escape_json), numbers as numeric text, and an object's members sorted by name; JavaScript
 * drops the spaces, writes each number as the double it parses to (1.50 is 1.5, 1e400 is null)
 * and puts an object's integer-like member names first. So the spaces go, numbers other than
 * short integers are converted, and the rare value with a member named by digits only is written
 * by JSON.parse and JSON.stringify themselves.
 */
export function putCompactJson(s: Sink, src: Buffer, from: number, to: number): void {
  const begin = s.pos
  reserve(s, to - from)
  let buf = s.buf
  let p = s.pos
  let i = from
  while (i < to) {
    const c = src[i]!
    if (c === 0x22) {
      // A string, copied as it is up to the first `"` not escaped, in one pass.
      const open = p
      buf[p++] = c
      i++
      for (;;) {
        if (i >= to) throw new SyntaxError('a jsonb text ends inside a string')
        const d = src[i++]!
        buf[p++] = d
        if (d === 0x22) break
        if (d === 0x5c) buf[p++] = src[i++]!
      }
      if (i < to && src[i] === 0x3a && p - open > 2 && digitsOnly(buf, open + 1, p - 1)) {
        // A member name of digits only: JavaScript may order it differently.
        s.pos = begin
        putUtf8(s, JSON.stringify(JSON.parse(src.toString('utf8', from, to))))
        return
      }
    } else if (c === 0x20) {
      i++
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      const open = i++
      let integer = true
      while (i < to) {
        const d = src[i]!
        if (d >= 0x30 && d <= 0x39) i++
        else if (d === 0x2e || d === 0x65 || d === 0x45 || d === 0x2b || d === 0x2d) {
          integer = false
          i++
        } else break
      }
      if (integer && i - open <= EXACT_DIGITS) {
        for (let k = open; k < i; k++) buf[p++] = src[k]!
      } else {
        const n = Number(src.toString('latin1', open, i))
        s.pos = p
        putLatin1(s, Number.isFinite(n) ? String(n) : 'null')
        reserve(s, to - i)
        buf = s.buf
        p = s.pos
      }
    } else {
      buf[p++] = c
      i++
    }
  }
  s.pos = p
}

function digitsOnly(bytes: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = bytes[i]!
    if (c < 0x30 || c > 0x39) return false
  }
  return true
}

/** RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled. */
export function putCsvField(s: Sink, src: Uint8Array, from: number, to: number): void {
  let quote = false
  for (let i = from; i < to; i++) {
    const c = src[i]!
    if (c === 0x22 || c === 0x2c || c === 0x0a || c === 0x0d) {
      quote = true
      break
    }
  }
  if (!quote) {
    putBytes(s, src, from, to)
    return
  }
  reserve(s, 2 + 2 * (to - from))
  const buf = s.buf
  let p = s.pos
  buf[p++] = 0x22
  for (let i = from; i < to; i++) {
    const c = src[i]!
    buf[p++] = c
    if (c === 0x22) buf[p++] = 0x22
  }
  buf[p++] = 0x22
  s.pos = p
}
