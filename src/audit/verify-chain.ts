// `verify`'s look at the audit chain: recomputes every link from the log and compares it with the
// stored chain, page by page (memory stays flat), and checks each recorded head against the chain
// and, with a key, its signature. The first diverging position is named.
import type { Kysely } from 'kysely'
import { sql } from 'kysely'
import type { DB } from '../db/tables.js'
import { encodePosition, type Position, START } from '../eventstore/position.js'
import { readLogFrom } from '../eventstore/reader.js'
import { type ChainHead, EMPTY_CHAIN, linkEvents, readChainHead, readLinks } from './chain.js'
import { type Head, headSignedBy, type SigningKey } from './signing.js'

export interface ChainVerdict {
  ok: boolean
  /** events whose stored link matches the log */
  chained: number
  /** events of the log not chained yet (the writer follows the log) */
  unchained: number
  /** the first position where the stored chain and the log part, and why */
  divergence?: { position: string; problem: string }
  /** recorded heads that do not match the chain or their signature */
  badHeads: string[]
}

export async function verifyChain(
  db: Kysely<DB>,
  key: SigningKey | undefined,
  onProgress?: (events: number) => void,
): Promise<ChainVerdict> {
  const stored = await readChainHead(db)
  const verdict: ChainVerdict = { ok: true, chained: 0, unchained: 0, badHeads: [] }
  const fail = (position: Position, problem: string) => {
    verdict.ok = false
    verdict.divergence = { position: encodePosition(position), problem }
    return verdict
  }
  let head: ChainHead = EMPTY_CHAIN
  for await (const page of readLogFrom(db, START, 2000)) {
    onProgress?.(page.length)
    const last = page[page.length - 1]!.position
    const links = await readLinks(db, head.position, last)
    const expected = linkEvents(head, page)
    for (let i = 0; i < page.length; i++) {
      const want = expected[i]!
      const got = links[i]
      if (!got) {
        if (stored.hash === head.hash) {
          verdict.unchained += page.length - i
          break
        }
        return fail(want.position, 'the log has an event the chain does not (inserted?)')
      }
      if (got.position.globalPosition !== want.position.globalPosition) {
        return fail(
          got.position.globalPosition < want.position.globalPosition ? got.position : want.position,
          'the chain and the log disagree on which event stands here (deleted or inserted?)',
        )
      }
      if (got.prevHash !== want.prevHash || got.hash !== want.hash) {
        return fail(want.position, "the event's content does not give its stored hash (edited?)")
      }
      verdict.chained++
      head = { position: want.position, hash: want.hash }
    }
    if (verdict.unchained > 0) continue
  }
  if (verdict.unchained === 0 && stored.hash !== head.hash) {
    return fail(stored.position, 'the chain goes on past the log (events deleted?)')
  }
  verdict.badHeads = await checkHeads(db, key)
  verdict.ok = verdict.badHeads.length === 0
  return verdict
}

/** Every recorded head against the chain's hash at its position, and its signature. */
async function checkHeads(db: Kysely<DB>, key: SigningKey | undefined): Promise<string[]> {
  const { rows } = await sql<{
    pos: string
    hash: string
    chain_hash: string | null
    signed_at: Date
    signature: string | null
  }>`
    SELECT lpad(to_hex(h.event_transaction_id::text::bigint), 16, '0') || lpad(to_hex(h.event_position), 16, '0') AS pos,
           h.hash, c.hash AS chain_hash, h.signed_at, h.signature
    FROM audit_heads h LEFT JOIN audit_chain c
      ON c.event_transaction_id = h.event_transaction_id AND c.event_position = h.event_position
    ORDER BY h.id`.execute(db)
  const bad: string[] = []
  for (const r of rows) {
    const head: Head = {
      position: r.pos,
      hash: r.hash,
      signedAt: new Date(r.signed_at).toISOString(),
      signature: r.signature,
      publicKey: null,
    }
    if (r.chain_hash !== r.hash)
      bad.push(`head at ${r.pos} (${head.signedAt}): not the chain's hash there`)
    else if (key && r.signature && !headSignedBy(head, key.publicKeyObject)) {
      bad.push(`head at ${r.pos} (${head.signedAt}): its signature is not this key's`)
    }
  }
  return bad
}

export function formatChainVerdict(v: ChainVerdict): string {
  const lines: string[] = []
  if (v.divergence) {
    lines.push(
      `audit chain: DIVERGES at position ${v.divergence.position}: ${v.divergence.problem}`,
    )
  } else {
    lines.push(
      `audit chain: ${v.chained} event(s) match the log` +
        (v.unchained ? `; ${v.unchained} not chained yet` : ''),
    )
  }
  for (const h of v.badHeads) lines.push(`audit chain: BAD ${h}`)
  return `${lines.join('\n')}\n`
}
