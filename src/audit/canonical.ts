// The chain's arithmetic, shared by the writer, `verify` and `verify-export` (which has no
// database): an event's canonical bytes are RFC 8785 (JCS) of its audit record's fields, and its
// hash is SHA-256 over the previous hash (32 bytes) followed by those bytes.
import { createHash } from 'node:crypto'
import canonicalize from 'canonicalize'

/** The hash before the first event. */
export const GENESIS = '0'.repeat(64)

/** What the chain covers of an event: exactly the fields an export record carries. */
export interface ChainedFields {
  /** the position token (32 hex digits) */
  position: string
  streamId: string
  version: number
  type: string
  data: unknown
  metadata: unknown
  /** ISO-8601, milliseconds, UTC: as the export writes it */
  recordedAt: string
}

/** RFC 8785: members sorted by UTF-16 code units, no whitespace, ECMAScript number form. */
export function canonicalBytes(e: ChainedFields): Buffer {
  const fields = {
    position: e.position,
    streamId: e.streamId,
    version: e.version,
    type: e.type,
    data: e.data,
    metadata: e.metadata,
    recordedAt: e.recordedAt,
  }
  let text: string | undefined
  try {
    text = canonicalize(fields)
  } catch (err) {
    // A jsonb number beyond double range parses to ±Infinity, which JCS has no form for. The
    // export writes such a number as JSON.stringify does, null, and the chain covers what it writes.
    if (!hasNonFinite(fields)) throw err
    text = canonicalize(JSON.parse(JSON.stringify(fields)))
  }
  if (text === undefined) throw new TypeError('an event has no canonical form')
  return Buffer.from(text, 'utf8')
}

function hasNonFinite(value: unknown): boolean {
  if (typeof value === 'number') return !Number.isFinite(value)
  if (value === null || typeof value !== 'object') return false
  return Object.values(value).some(hasNonFinite)
}

export function chainHash(prevHash: string, e: ChainedFields): string {
  return createHash('sha256')
    .update(Buffer.from(prevHash, 'hex'))
    .update(canonicalBytes(e))
    .digest('hex')
}
