// The audit chain (src/audit/): one row per chained event, keyed by the event's log position, with
// the hash of the event before it and its own; and the signed heads. Both are written by the chain
// writer only, beside the events (the log itself is never touched).
import { type Kysely, sql } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE audit_chain (
      event_transaction_id xid8 NOT NULL,
      event_position bigint NOT NULL,
      prev_hash text NOT NULL CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
      hash text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
      PRIMARY KEY (event_transaction_id, event_position)
    )`.execute(db)
  await sql`
    CREATE TABLE audit_heads (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      event_transaction_id xid8 NOT NULL,
      event_position bigint NOT NULL,
      hash text NOT NULL,
      signed_at timestamptz NOT NULL,
      signature text,
      public_key text
    )`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE audit_heads`.execute(db)
  await sql`DROP TABLE audit_chain`.execute(db)
}
