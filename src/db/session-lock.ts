// PostgreSQL session advisory locks held across several transactions (or none) on one pinned
// connection. The server releases them when the session ends, so a killed holder never leaves
// one behind: that is what makes them fit for "is its owner still alive?".
import { type Kysely, sql } from 'kysely'

/** Lock keys are names (`projection:<schema>`, `scratch:<token>`), hashed by the server. */
const key = (name: string | number) =>
  typeof name === 'number' ? sql`${name}` : sql`hashtext(${name})`

/** Runs `fn` on a pinned connection that holds the lock, waiting for it if another session has it. */
export function withSessionLock<DB, T>(
  db: Kysely<DB>,
  name: string | number,
  fn: (conn: Kysely<DB>) => Promise<T>,
): Promise<T> {
  return db.connection().execute(async (conn) => {
    await sql`SELECT pg_advisory_lock(${key(name)})`.execute(conn)
    try {
      return await fn(conn)
    } finally {
      await sql`SELECT pg_advisory_unlock(${key(name)})`.execute(conn)
    }
  })
}

/** Like withSessionLock, but only if the lock is free now: undefined (and `fn` not run) if not. */
export function ifSessionLockFree<DB, T>(
  db: Kysely<DB>,
  name: string,
  fn: (conn: Kysely<DB>) => Promise<T>,
): Promise<T | undefined> {
  return db.connection().execute(async (conn) => {
    const { rows } = await sql<{
      ok: boolean
    }>`SELECT pg_try_advisory_lock(${key(name)}) AS ok`.execute(conn)
    if (!rows[0]?.ok) return undefined
    try {
      return await fn(conn)
    } finally {
      await sql`SELECT pg_advisory_unlock(${key(name)})`.execute(conn)
    }
  })
}
