// The event log and the per-stream state row. Frozen: later changes go in later migrations.
import { type Kysely, sql } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE events (
      global_position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      event_id uuid NOT NULL UNIQUE,
      stream_id text NOT NULL,
      stream_version integer NOT NULL CHECK (stream_version >= 1),
      type text NOT NULL,
      data jsonb NOT NULL,
      metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
      recorded_at timestamptz NOT NULL DEFAULT now(),
      transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
      UNIQUE (stream_id, stream_version)
    )`.execute(db)
  // The log order (DESIGN.md): every reader pages by this pair.
  await sql`CREATE INDEX events_log_order ON events (transaction_id, global_position)`.execute(db)
  await sql`CREATE INDEX events_type ON events (type)`.execute(db)

  await sql`
    CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'the event log is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'restrict_violation';
    END $$`.execute(db)
  await sql`
    CREATE TRIGGER events_no_update_delete BEFORE UPDATE OR DELETE ON events
      FOR EACH ROW EXECUTE FUNCTION events_append_only()`.execute(db)
  await sql`
    CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
      FOR EACH STATEMENT EXECUTE FUNCTION events_append_only()`.execute(db)

  await createEventsNotify(db)

  // One row per stream: its version (the optimistic-concurrency check) and the small decision
  // state the command side needs, so that no command loads a whole stream.
  await sql`
    CREATE TABLE streams (
      stream_id text PRIMARY KEY,
      version integer NOT NULL CHECK (version >= 1),
      state jsonb NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db)
}

/** Wakes the relay and in-process readers after a commit (dropped again by migration 000600). */
export async function createEventsNotify(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE FUNCTION events_notify() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('rental_ledger_events', '');
      RETURN NULL;
    END $$`.execute(db)
  await sql`
    CREATE TRIGGER events_notify AFTER INSERT ON events
      FOR EACH STATEMENT EXECUTE FUNCTION events_notify()`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE streams`.execute(db)
  await sql`DROP TABLE events`.execute(db)
  await sql`DROP FUNCTION events_notify`.execute(db)
  await sql`DROP FUNCTION events_append_only`.execute(db)
}
