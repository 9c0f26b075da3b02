// The relay and the in-process feeder are woken by a NOTIFY the service sends after commits
// (src/eventstore/announce.ts), no longer by one inside every appending transaction: such a
// transaction holds the notification lock through its commit's WAL flush, so commits could not
// share a flush.
import { type Kysely, sql } from 'kysely'
import { createEventsNotify } from './20261128000100_event_store.js'

export async function up(db: Kysely<any>): Promise<void> {
  await sql`DROP TRIGGER events_notify ON events`.execute(db)
  await sql`DROP FUNCTION events_notify`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await createEventsNotify(db)
}
