// LISTEN on a channel, on PostgreSQL (a dedicated client, reconnected when it drops) or on PGlite.
// Notifications are a wake-up only: whoever listens must also poll now and then, since a
// notification sent while reconnecting is lost.
import pg from 'pg'
import type { Database } from './database.js'

export type Unlisten = () => Promise<void>

export async function listen(
  database: Database,
  channel: string,
  onNotify: (payload: string) => void,
): Promise<Unlisten> {
  if (database.pglite) {
    return database.pglite.listen(channel, onNotify)
  }
  const pool = database.pool!
  let stopped = false
  let client: pg.PoolClient | undefined
  const connect = async (): Promise<void> => {
    while (!stopped) {
      try {
        const c = await pool.connect()
        c.on('notification', (n) => {
          if (n.channel === channel) onNotify(n.payload ?? '')
        })
        c.on('error', () => {
          // Already given back by unlisten, or by an earlier error: nothing to release.
          if (client !== c) return
          client = undefined
          c.release(true)
          if (!stopped) setTimeout(() => void connect(), 500)
        })
        await c.query(`LISTEN ${pg.escapeIdentifier(channel)}`)
        client = c
        onNotify('') // we may have missed something while not listening
        return
      } catch {
        await new Promise((r) => setTimeout(r, 1000))
      }
    }
  }
  await connect()
  return async () => {
    stopped = true
    const c = client
    client = undefined
    if (c) {
      await c.query(`UNLISTEN ${pg.escapeIdentifier(channel)}`).catch(() => {})
      c.release()
    }
  }
}
