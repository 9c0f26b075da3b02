// The staff's rentals list filtered by book (GET /api/rentals?bookId=) reads the user-balances
// read model's rentals by book, newest first: an index for it. A read model built from now on gets
// it from its own schema (projections/user-balances/apply.ts); this adds it to the live one, if
// there is one yet, so that no rebuild is needed for it.
import { type Kysely, sql } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  const { rows } = await sql<{ found: string | null }>`
    SELECT to_regclass('proj_user_balances.rentals')::text AS found`.execute(db)
  if (rows[0]?.found === null || rows[0] === undefined) return
  await sql`
    CREATE INDEX IF NOT EXISTS rentals_book_id_rented_at_rental_id_idx
    ON proj_user_balances.rentals (book_id, rented_at, rental_id)`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX IF EXISTS proj_user_balances.rentals_book_id_rented_at_rental_id_idx`.execute(
    db,
  )
}
