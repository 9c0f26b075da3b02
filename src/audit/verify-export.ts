// Offline verification of an export (no database): recomputes every record's hash from its fields
// and its prevHash, checks that each record follows the one before it (across the files of an
// export taken in resumed parts, in order), and checks a closing head against the chain and its
// Ed25519 signature. Reads line by line: memory stays flat whatever the file's size.

import type { KeyObject } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'
import { type ChainedFields, chainHash } from './canonical.js'
import { CSV_HEAD_TYPE } from './export.js'
import { type Head, headSignedBy, parsePublicKey } from './signing.js'

export interface ExportVerdict {
  ok: boolean
  records: number
  /** where it went wrong: `FILE:LINE: what` */
  problem?: string
  heads: { position: string; signedBy: 'given key' | 'key in the file' | 'unsigned' }[]
  /** the first record's prevHash (GENESIS when the export starts at the log's start) */
  firstPrevHash?: string
  lastHash?: string
}

interface Parsed {
  /** the fields the hash covers (canonical.ts), and the link */
  record?: ChainedFields & { prevHash: string; hash: string }
  head?: Head
}

/** RFC 4180 fields of one logical CSV row (quoted fields may hold commas, quotes, line breaks). */
function csvFields(row: string): string[] {
  const fields: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < row.length; i++) {
    const c = row[i]
    if (quoted) {
      if (c === '"' && row[i + 1] === '"') field += row[++i]
      else if (c === '"') quoted = false
      else field += c
    } else if (c === '"') quoted = true
    else if (c === ',') {
      fields.push(field)
      field = ''
    } else field += c
  }
  fields.push(field)
  return fields
}

function parseLine(line: string, csv: boolean): Parsed {
  if (!csv) {
    const value = JSON.parse(line)
    return value && typeof value === 'object' && 'head' in value
      ? { head: value.head }
      : { record: value }
  }
  const f = csvFields(line)
  if (f.length !== 9) throw new Error(`${f.length} columns, not 9`)
  if (f[3] === CSV_HEAD_TYPE) return { head: JSON.parse(f[4]!) }
  return {
    record: {
      position: f[0]!,
      streamId: f[1]!,
      version: Number(f[2]),
      type: f[3]!,
      data: JSON.parse(f[4]!),
      metadata: JSON.parse(f[5]!),
      recordedAt: f[6]!,
      prevHash: f[7]!,
      hash: f[8]!,
    },
  }
}

/** The logical rows of a file: NDJSON lines, or CSV rows (a quoted line break joins lines). */
async function* rows(file: string): AsyncGenerator<{ line: number; text: string; csv: boolean }> {
  const input = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity })
  let n = 0
  let csv: boolean | undefined
  let pending: { line: number; text: string } | undefined
  for await (const raw of input) {
    n++
    if (csv === undefined) {
      csv = raw.startsWith('position,')
      if (csv) continue // the header
    }
    if (!csv) {
      if (raw !== '') yield { line: n, text: raw, csv }
      continue
    }
    pending = pending
      ? { line: pending.line, text: `${pending.text}\n${raw}` }
      : { line: n, text: raw }
    // An odd number of quotes so far: a quoted field goes on on the next line.
    if ((pending.text.match(/"/g)?.length ?? 0) % 2 === 1) continue
    if (pending.text !== '') yield { ...pending, csv }
    pending = undefined
  }
  if (pending) yield { ...pending, csv: true }
}

export async function verifyExport(
  files: readonly string[],
  key?: KeyObject,
): Promise<ExportVerdict> {
  const verdict: ExportVerdict = { ok: true, records: 0, heads: [] }
  let prev: { position: string; hash: string } | undefined
  for (const file of files) {
    for await (const { line, text, csv } of rows(file)) {
      const fail = (problem: string) => {
        verdict.ok = false
        verdict.problem = `${file}:${line}: ${problem}`
        return verdict
      }
      let parsed: Parsed
      try {
        parsed = parseLine(text, csv)
      } catch (err) {
        return fail(`not a record: ${(err as Error).message}`)
      }
      if (parsed.head) {
        const head = parsed.head
        if (!prev || head.position !== prev.position || head.hash !== prev.hash) {
          return fail(
            `the head (position ${head.position}) is not the hash of the record before it`,
          )
        }
        if (key) {
          if (!headSignedBy(head, key))
            return fail('the head is not signed by the given public key')
          verdict.heads.push({ position: head.position, signedBy: 'given key' })
        } else if (head.signature && head.publicKey) {
          if (!headSignedBy(head, parsePublicKey(head.publicKey))) {
            return fail("the head's signature does not match the key written beside it")
          }
          verdict.heads.push({ position: head.position, signedBy: 'key in the file' })
        } else verdict.heads.push({ position: head.position, signedBy: 'unsigned' })
        continue
      }
      const r = parsed.record!
      if (!/^[0-9a-f]{64}$/.test(r.prevHash ?? '') || !/^[0-9a-f]{64}$/.test(r.hash ?? '')) {
        return fail('the record has no prevHash and hash')
      }
      if (prev && r.prevHash !== prev.hash) {
        return fail(
          `the record at position ${r.position} does not follow the record before it ` +
            '(a record missing, reordered or inserted here)',
        )
      }
      if (prev && r.position <= prev.position) {
        return fail(`the record at position ${r.position} is out of log order`)
      }
      if (chainHash(r.prevHash, r) !== r.hash) {
        return fail(`the record at position ${r.position} does not give its hash (edited?)`)
      }
      verdict.firstPrevHash ??= r.prevHash
      verdict.records++
      prev = { position: r.position, hash: r.hash }
      verdict.lastHash = r.hash
    }
  }
  return verdict
}
