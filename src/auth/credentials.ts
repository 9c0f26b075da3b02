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

/** The account if the username (any case) and password match; undefined otherwise. */
export async function verifyLogin(
  db: Kysely<DB>,
  username: string,
  password: string,
  cost: number,
): Promise<AuthUser | undefined> {
  const row = await db
    .selectFrom('users')
    .select(['user_id', 'username', 'role', 'password_hash'])
    .where((eb) => eb(eb.fn('lower', ['username']), '=', username.toLowerCase()))
    .executeTakeFirst()
  const ok = await bcrypt.compare(password, row?.password_hash ?? (await dummyHash(cost)))
  return row && ok ? { id: row.user_id, role: row.role, username: row.username } : undefined
}

/** A short-lived access token (JWT_SECRET, ACCESS_TOKEN_TTL_SECONDS) for the user. */
export function issueAccessToken(app: FastifyInstance, user: AuthUser): string {
  return app.jwt.sign({ sub: user.id, role: user.role, username: user.username })
}
