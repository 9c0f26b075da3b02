// Passwords and access tokens. The same answer, and about the same time, for an unknown user and
// a wrong password: a login never tells which of the two was wrong.
import bcrypt from 'bcrypt'
import type { FastifyInstance } from 'fastify'
import type { Kysely } from 'kysely'
import type { DB } from '../db/tables.js'
import type { AuthUser } from '../http/plugins/auth.js'

export function hashPassword(password: string, cost: number): Promise<string> {
  return bcrypt.hash(password, cost)
}

// Compared against when the user does not exist, so that both cases cost one bcrypt comparison.
const dummyHashes = new Map<number, Promise<string>>()
function dummyHash(cost: number): Promise<string> {
  let h = dummyHashes.get(cost)
  if (!h) {
    h = bcrypt.hash('not a real password', cost)
    dummyHashes.set(cost, h)
  }
  return h
}

/** Who an access token is issued to: its claims name the account as the old service's did. */
export type TokenHolder = AuthUser & { email: string | null }

/** The account if the username (any case) and password match; undefined otherwise. */
export async function verifyLogin(
  db: Kysely<DB>,
  username: string,
  password: string,
  cost: number,
): Promise<TokenHolder | undefined> {
  const row = await db
    .selectFrom('users')
    .select(['user_id', 'username', 'email', 'role', 'password_hash'])
    .where((eb) => eb(eb.fn('lower', ['username']), '=', username.toLowerCase()))
    .executeTakeFirst()
  const ok = await bcrypt.compare(password, row?.password_hash ?? (await dummyHash(cost)))
  return row && ok ? tokenHolder(row) : undefined
}

export const tokenHolder = (row: {
  user_id: string
  username: string
  email: string | null
  role: AuthUser['role']
}): TokenHolder => ({ id: row.user_id, role: row.role, username: row.username, email: row.email })

/** The account an access token may be issued to again (it still exists), or undefined. */
export async function findTokenHolder(
  db: Kysely<DB>,
  userId: string,
): Promise<TokenHolder | undefined> {
  const row = await db
    .selectFrom('users')
    .select(['user_id', 'username', 'email', 'role'])
    .where('user_id', '=', userId)
    .executeTakeFirst()
  return row && tokenHolder(row)
}

/**
 * A short-lived access token (JWT_SECRET, ACCESS_TOKEN_TTL_SECONDS) for the user. Besides `sub`
 * and `role`, it carries the old service's claims (`user_id`, `username`, `email`; `exp` is
 * always there): its clients read `user_id` from the token to build their URLs. `orig_iat` is
 * when the chain of tokens began: a refresh (POST /api-token-refresh/) carries it on, and none is
 * granted past the refresh token lifetime after it.
 */
export function issueAccessToken(
  app: FastifyInstance,
  user: TokenHolder,
  origIat: number = Math.floor(Date.now() / 1000),
): string {
  return app.jwt.sign({
    sub: user.id,
    role: user.role,
    username: user.username,
    user_id: user.id,
    email: user.email ?? '',
    orig_iat: origIat,
  })
}
