// Proof that a message is the log's: the relay signs each payload (HMAC-SHA256) with its stream's
// key from PostgreSQL, and a worker applies a message without reading the log only when the
// signature verifies (DESIGN.md, Security). Anyone who can publish on the subjects but cannot read
// the database (a forger, another deployment sharing the prefix) cannot make one that does.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { DB } from '../db/tables.js'

/** The NATS header that carries the signature (base64url). */
export const SIGNATURE_HEADER = 'Ledger-Signature'

export interface BusKey {
  sign(payload: Uint8Array): string
  /** True when `signature` is this key's signature of `payload`. */
  verifies(payload: Uint8Array, signature: string | undefined): boolean
}

export function busKey(key: Uint8Array): BusKey {
  const mac = (payload: Uint8Array) => createHmac('sha256', key).update(payload).digest()
  return {
    sign: (payload) => mac(payload).toString('base64url'),
    verifies(payload, signature) {
      if (!signature) return false
      const given = Buffer.from(signature, 'base64url')
      const expected = mac(payload)
      return given.length === expected.length && timingSafeEqual(given, expected)
    },
  }
}

/** The stream's key, made (by whichever process asks first) when there is none yet. */
export async function loadBusKey(db: Kysely<DB>, stream: string): Promise<BusKey> {
  await db
    .insertInto('bus_keys')
    .values({ stream, key: randomBytes(32) })
    .onConflict((oc) => oc.column('stream').doNothing())
    .execute()
  const row = await db
    .selectFrom('bus_keys')
    .select('key')
    .where('stream', '=', stream)
    .executeTakeFirstOrThrow()
  return busKey(row.key)
}
