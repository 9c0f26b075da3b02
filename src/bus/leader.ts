// Leader election with a PostgreSQL session advisory lock: whoever holds the lock leads; when its
// session dies (crash, network), PostgreSQL releases the lock and a standby takes it.
import type pg from 'pg'
import type { Database } from '../db/database.js'

export interface Leadership {
  /** Resolves once this process leads; undefined if `stop` was called first. */
  acquire(isStopped: () => boolean, retryMs: number): Promise<boolean>
  /** True while the session holding the lock is alive. */
  readonly held: boolean
  release(): Promise<void>
}

export function leadership(database: Database, name: string): Leadership {
  // Embedded mode: the data directory lock already makes this the only process.
  if (!database.pool) {
    return { acquire: async () => true, held: true, release: async () => {} }
  }
  const pool = database.pool
  let client: pg.PoolClient | undefined
  let held = false
  return {
    get held() {
      return held
    },
    async acquire(isStopped, retryMs) {
      while (!isStopped()) {
        try {
          if (!client) {
            client = await pool.connect()
            client.on('error', () => {
              held = false
            })
          }
          const { rows } = await client.query<{ ok: boolean }>(
            'SELECT pg_try_advisory_lock(hashtext($1)) AS ok',
            [`leader:${name}`],
          )
          if (rows[0]?.ok) {
            held = true
            return true
          }
        } catch {
          client?.release(true)
          client = undefined
        }
        await new Promise((r) => setTimeout(r, retryMs))
      }
      return false
    },
    async release() {
      const c = client
      client = undefined
      if (!c) return
      if (held)
        await c.query('SELECT pg_advisory_unlock(hashtext($1))', [`leader:${name}`]).catch(() => {})
      held = false
      c.release()
    },
  }
}
