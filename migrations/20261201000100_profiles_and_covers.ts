// Profiles (the old service's name, phone and address; an email became optional, as it was for
// the old registration) and uploaded book covers. Covers are stored content-addressed by their
// sha256, outside the event log (whose BookCoverUploaded event records only the hash), in the
// database so that every replica and the embedded mode serve them alike. A rental is voided
// once: rental_voids holds the claim, written with the RentalVoided event.
import { type Kysely, sql } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE users ALTER COLUMN email DROP NOT NULL`.execute(db)
  await sql`ALTER TABLE users ADD COLUMN name text, ADD COLUMN phone text, ADD COLUMN address text`.execute(
    db,
  )
  await sql`
    CREATE TABLE book_covers (
      sha256 text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
      content_type text NOT NULL CHECK (content_type IN ('image/png', 'image/jpeg', 'image/webp')),
      bytes bytea NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db)
  await sql`
    CREATE TABLE rental_voids (
      rental_id uuid PRIMARY KEY REFERENCES rental_streams (rental_id),
      voided_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE rental_voids`.execute(db)
  await sql`DROP TABLE book_covers`.execute(db)
  await sql`ALTER TABLE users DROP COLUMN name, DROP COLUMN phone, DROP COLUMN address`.execute(db)
  await sql`UPDATE users SET email = user_id::text || '@invalid' WHERE email IS NULL`.execute(db)
  await sql`ALTER TABLE users ALTER COLUMN email SET NOT NULL`.execute(db)
}
