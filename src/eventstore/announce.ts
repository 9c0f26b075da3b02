// Wakes the log's readers (the relay, the in-process feeder: LISTEN on EVENTS_CHANNEL) after
// appends commit. Sent from outside the appending transactions, and coalesced: at most one NOTIFY
// in flight per database handle, and one more after it if commits came meanwhile. A NOTIFY inside
// every appending transaction would hold PostgreSQL's notification lock through each commit's WAL
// flush, so that concurrent commits could not share a flush (see README, Performance).
import { type Kysely, sql } from 'kysely'

export const EVENTS_CHANNEL = 'rental_ledger_events'

const announcing = new WeakMap<Kysely<never>, { again: boolean; sent: Promise<void> }>()

/**
 * Call after a commit that appended events; need not be awaited. The promise settles once a
 * NOTIFY sent after this call has committed (or sending failed: a lost NOTIFY costs the readers'
 * fallback poll, never an event, since they read the log itself).
 */
export function announceAppends<DB>(db: Kysely<DB>): Promise<void> {
  const key = db as unknown as Kysely<never>
  const running = announcing.get(key)
  if (running) {
    running.again = true
    return running.sent
  }
  const state = { again: true, sent: Promise.resolve() }
  announcing.set(key, state)
  state.sent = (async () => {
    try {
      while (state.again) {
        state.again = false
        await sql`SELECT pg_notify(${EVENTS_CHANNEL}, '')`.execute(db)
      }
    } catch {
      // The database is closing or unreachable: the readers' fallback poll covers it.
    } finally {
      announcing.delete(key)
    }
  })()
  return state.sent
}

/** Settles when the announcement in flight, if any, has been sent: before closing `db`. */
export function announced<DB>(db: Kysely<DB>): Promise<void> {
  return announcing.get(db as unknown as Kysely<never>)?.sent ?? Promise.resolve()
}
