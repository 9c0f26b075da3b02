// Reading your own writes (DESIGN.md): a signed-in caller's query finds the log position of the
// caller's last event in the same statement as its read, by one descent of this index; the write
// path is unchanged (the actor is already in every command's metadata).
import { type Kysely, sql } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE INDEX IF NOT EXISTS events_by_actor
      ON events ((metadata->>'actor'), transaction_id, global_position)
      WHERE metadata ? 'actor'`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX IF EXISTS events_by_actor`.execute(db)
}
