// An append is one statement (src/eventstore/append.ts). This function is its check: it raises
// serialization_failure, naming the first stream that did not advance, so that a conflicting
// append fails as a whole, with whatever command-side writes share its statement.
import { type Kysely, sql } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE FUNCTION rental_ledger_streams_advanced(wanted text[], advanced text[])
    RETURNS boolean LANGUAGE plpgsql AS $$
    DECLARE
      missing text;
    BEGIN
      SELECT w INTO missing FROM unnest(wanted) AS w
       WHERE w <> ALL (advanced) ORDER BY w COLLATE "C" LIMIT 1;
      IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'stream % is no longer at the version the command read', missing
          USING ERRCODE = 'serialization_failure', DETAIL = missing;
      END IF;
      RETURN true;
    END $$`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP FUNCTION rental_ledger_streams_advanced`.execute(db)
}
