// The chain's store: audit_chain (one row per chained event, in log order) and audit_heads (the
// signed heads). Read and written here only; the writer that follows the log is chain-writer.ts.
import { type Kysely, sql } from 'kysely'
import type { DB } from '../db/tables.js'
import { encodePosition, type Position, START } from '../eventstore/position.js'
import type { StoredEvent } from '../eventstore/reader.js'
import { type ChainedFields, chainHash, GENESIS } from './canonical.js'
import { type Head, type SigningKey, signHead } from './signing.js'

export interface ChainHead {
  position: Position
  hash: string
}

export const EMPTY_CHAIN: ChainHead = { position: START, hash: GENESIS }

export function chainedFields(e: StoredEvent): ChainedFields {
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

export interface ChainLink {
  position: Position
  prevHash: string
  hash: string
}

/** The links of `events` (the log's next events after `head`, in log order). */
export function linkEvents(head: ChainHead, events: readonly StoredEvent[]): ChainLink[] {
  let prev = head.hash
  return events.map((e) => {
    const hash = chainHash(prev, chainedFields(e))
    const link = { position: e.position, prevHash: prev, hash }
    prev = hash
    return link
  })
}

const positionOf = (r: { tx: string; pos: number | string }): Position => ({
  transactionId: BigInt(r.tx),
  globalPosition: Number(r.pos),
})

/** The last chained event, or the empty chain. */
export async function readChainHead(db: Kysely<DB>): Promise<ChainHead> {
  const { rows } = await sql<{ tx: string; pos: number; hash: string }>`
    SELECT event_transaction_id::text AS tx, event_position AS pos, hash FROM audit_chain
    ORDER BY event_transaction_id DESC, event_position DESC LIMIT 1`.execute(db)
  return rows[0] ? { position: positionOf(rows[0]), hash: rows[0].hash } : EMPTY_CHAIN
}

/**
 * Appends links after `head`, only if `head` is still the chain's last link: a second writer (a
 * standby that thought itself leader) adds nothing. True if they were written.
 */
export async function appendLinks(
  db: Kysely<DB>,
  head: ChainHead,
  links: readonly ChainLink[],
): Promise<boolean> {
  if (links.length === 0) return true
  const result = await sql`
    INSERT INTO audit_chain (event_transaction_id, event_position, prev_hash, hash)
    SELECT t::xid8, p, ph, h
    FROM unnest(${links.map((l) => l.position.transactionId.toString())}::text[],
                ${links.map((l) => l.position.globalPosition)}::bigint[],
                ${links.map((l) => l.prevHash)}::text[],
                ${links.map((l) => l.hash)}::text[]) AS x(t, p, ph, h)
    WHERE (SELECT hash FROM audit_chain
           ORDER BY event_transaction_id DESC, event_position DESC LIMIT 1)
          IS NOT DISTINCT FROM ${head.hash === GENESIS ? null : head.hash}
    ON CONFLICT DO NOTHING`.execute(db)
  return Number(result.numAffectedRows ?? 0) === links.length
}

/** The chain's links strictly after `after` and at most `upTo`, in log order. */
export async function readLinks(
  db: Kysely<DB>,
  after: Position,
  upTo: Position,
): Promise<ChainLink[]> {
  const { rows } = await sql<{ tx: string; pos: number; prev_hash: string; hash: string }>`
    SELECT event_transaction_id::text AS tx, event_position AS pos, prev_hash, hash
    FROM audit_chain
    WHERE (event_transaction_id, event_position) > (${after.transactionId.toString()}::xid8, ${after.globalPosition}::bigint)
      AND (event_transaction_id, event_position) <= (${upTo.transactionId.toString()}::xid8, ${upTo.globalPosition}::bigint)
    ORDER BY event_transaction_id, event_position`.execute(db)
  return rows.map((r) => ({ position: positionOf(r), prevHash: r.prev_hash, hash: r.hash }))
}

/** Signs `head` (unsigned without a key) and keeps it in audit_heads. */
export async function recordHead(
  db: Kysely<DB>,
  key: SigningKey | undefined,
  head: ChainHead,
  now: Date,
): Promise<Head> {
  const signed = signHead(key, { position: encodePosition(head.position), hash: head.hash }, now)
  await sql`
    INSERT INTO audit_heads (event_transaction_id, event_position, hash, signed_at, signature, public_key)
    VALUES (${head.position.transactionId.toString()}::xid8, ${head.position.globalPosition},
            ${signed.hash}, ${signed.signedAt}, ${signed.signature}, ${signed.publicKey})`.execute(
    db,
  )
  return signed
}

/** The latest recorded head, or undefined before the first. */
export async function latestHead(db: Kysely<DB>): Promise<Head | undefined> {
  const { rows } = await sql<{
    tx: string
    pos: number
    hash: string
    signed_at: Date
    signature: string | null
    public_key: string | null
  }>`SELECT event_transaction_id::text AS tx, event_position AS pos, hash, signed_at, signature, public_key
     FROM audit_heads ORDER BY id DESC LIMIT 1`.execute(db)
  const r = rows[0]
  if (!r) return undefined
  return {
    position: encodePosition(positionOf(r)),
    hash: r.hash,
    signedAt: new Date(r.signed_at).toISOString(),
    signature: r.signature,
    publicKey: r.public_key,
  }
}
