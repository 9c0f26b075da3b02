// Refresh tokens: random, stored only as a hash, single use. Each login starts a family; every
// rotation adds the next token to it. Presenting a token that was already used means a copy
// leaked, so the whole family is revoked, the newest token included (as OAuth 2.0 Security BCP
// §4.14 recommends): the thief and the victim both have to sign in again.
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { type Kysely, sql, type Transaction } from 'kysely'
import type { DB } from '../db/tables.js'
import { type TokenHolder, tokenHolder } from './credentials.js'

export interface RefreshPolicy {
  /** The app's clock: issue and expiry times follow it. */
  now: Date
  ttlSeconds: number
}

export type Rotation =
  | { ok: true; user: TokenHolder; refreshToken: string }
  | { ok: false; reason: 'unknown' | 'expired-or-revoked' | 'reused' }

const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex')

async function insertToken(
  db: Kysely<DB>,
  userId: string,
  familyId: string,
  policy: RefreshPolicy,
): Promise<string> {
  const token = randomBytes(32).toString('base64url')
  await db
    .insertInto('refresh_tokens')
    .values({
      token_hash: hashToken(token),
      user_id: userId,
      family_id: familyId,
      expires_at: new Date(policy.now.getTime() + policy.ttlSeconds * 1000),
      created_at: policy.now,
    })
    .execute()
  return token
}

/** The first token of a new family (a login). */
export function issueRefreshToken(
  db: Kysely<DB>,
  userId: string,
  policy: RefreshPolicy,
): Promise<string> {
  return insertToken(db, userId, randomUUID(), policy)
}

// Rotation and revocation of one family take turns. Without this, a revocation could miss the
// token a concurrent rotation inserts (its UPDATE only sees rows that existed when it began).
const lockFamily = (trx: Transaction<DB>, familyId: string) =>
  sql`SELECT pg_advisory_xact_lock(hashtext(${`refresh-family:${familyId}`}))`.execute(trx)

const revokeFamily = (trx: Transaction<DB>, familyId: string, now: Date) =>
  trx
    .updateTable('refresh_tokens')
    .set({ revoked_at: now })
    .where('family_id', '=', familyId)
    .where('revoked_at', 'is', null)
    .execute()

/**
 * Trades a refresh token for the next one of its family. Spending is a conditional UPDATE, so of
 * two concurrent refreshes with the same token only one succeeds; the other counts as a reuse.
 */
export function rotateRefreshToken(
  db: Kysely<DB>,
  token: string,
  policy: RefreshPolicy,
): Promise<Rotation> {
  const tokenHash = hashToken(token)
  const { now } = policy
  // A reuse is answered with a failure, not an exception, so that the revocation commits.
  return db.transaction().execute(async (trx): Promise<Rotation> => {
    const found = await trx
      .selectFrom('refresh_tokens')
      .select('family_id')
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst()
    if (!found) return { ok: false, reason: 'unknown' }
    await lockFamily(trx, found.family_id)

    const spent = await trx
      .updateTable('refresh_tokens')
      .set({ used_at: now })
      .where('token_hash', '=', tokenHash)
      .where('used_at', 'is', null)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .returning(['user_id', 'family_id'])
      .executeTakeFirst()
    if (spent) {
      const user = await trx
        .selectFrom('users')
        .select(['user_id', 'username', 'email', 'role'])
        .where('user_id', '=', spent.user_id)
        .executeTakeFirstOrThrow()
      const refreshToken = await insertToken(trx, spent.user_id, spent.family_id, policy)
      return {
        ok: true,
        user: tokenHolder(user),
        refreshToken,
      }
    }

    const row = await trx
      .selectFrom('refresh_tokens')
      .select(['used_at', 'revoked_at'])
      .where('token_hash', '=', tokenHash)
      .executeTakeFirstOrThrow()
    if (row.used_at === null || row.revoked_at !== null) {
      return { ok: false, reason: 'expired-or-revoked' }
    }
    await revokeFamily(trx, found.family_id, now)
    return { ok: false, reason: 'reused' }
  })
}

/** Sign-out: revokes the token's whole family, so no token descended from that sign-in works. */
export function revokeRefreshToken(db: Kysely<DB>, token: string, now: Date): Promise<void> {
  return db.transaction().execute(async (trx) => {
    const found = await trx
      .selectFrom('refresh_tokens')
      .select('family_id')
      .where('token_hash', '=', hashToken(token))
      .executeTakeFirst()
    if (!found) return
    await lockFamily(trx, found.family_id)
    await revokeFamily(trx, found.family_id, now)
  })
}
