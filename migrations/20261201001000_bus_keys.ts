// The key the relay signs each JetStream message with, one per stream, kept here and nowhere
// else: a worker applies a message without reading the log only if it carries this key's
// signature, so a message from anyone else on the subjects (a forger, another deployment sharing
// the prefix) never reaches a read model. Made by whichever process needs it first.
import { type Kysely, sql } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE bus_keys (
      stream text PRIMARY KEY,
      key bytea NOT NULL CHECK (octet_length(key) = 32),
      created_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE bus_keys`.execute(db)
}
