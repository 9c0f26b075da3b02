// State the command side keeps beside the log, written in the append's transaction: credentials,
// catalogue-wide uniqueness, where a rental lives, idempotency records and refresh tokens.
// None of it is a read model: it is what the invariants are checked against.
import { type Kysely, sql } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE users (
      user_id uuid PRIMARY KEY,
      username text NOT NULL,
      email text NOT NULL,
      password_hash text NOT NULL,
      role text NOT NULL CHECK (role IN ('user', 'staff')),
      created_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db)
  await sql`CREATE UNIQUE INDEX users_username ON users (lower(username))`.execute(db)
  await sql`CREATE UNIQUE INDEX users_email ON users (lower(email))`.execute(db)

  // One book per title and author, whatever the case and spacing.
  await sql`
    CREATE TABLE book_titles (
      book_id uuid PRIMARY KEY,
      title_key text NOT NULL,
      UNIQUE (title_key)
    )`.execute(db)

  // Which book stream and account a rental lives on, so a return finds them without a read model.
  await sql`
    CREATE TABLE rental_streams (
      rental_id uuid PRIMARY KEY,
      book_id uuid NOT NULL,
      user_id uuid NOT NULL,
      returned boolean NOT NULL DEFAULT false
    )`.execute(db)

  await sql`
    CREATE TABLE idempotency_keys (
      user_id uuid NOT NULL,
      key text NOT NULL,
      request_hash text NOT NULL,
      status_code integer NOT NULL,
      response jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (user_id, key)
    )`.execute(db)

  await sql`
    CREATE TABLE refresh_tokens (
      token_hash text PRIMARY KEY,
      user_id uuid NOT NULL REFERENCES users (user_id),
      family_id uuid NOT NULL,
      expires_at timestamptz NOT NULL,
      used_at timestamptz,
      revoked_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db)
  await sql`CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id)`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of [
    'refresh_tokens',
    'idempotency_keys',
    'rental_streams',
    'book_titles',
    'users',
  ]) {
    await sql`DROP TABLE ${sql.table(t)}`.execute(db)
  }
}
