// A rental's state lives in its account stream (open rentals): the command side's copy of
// "returned" cost every return a write, and could only drift. The row keeps where the rental lives.
import { type Kysely, sql } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE rental_streams DROP COLUMN returned`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  // Rebuilt from the log's RentalClosed events: nothing is lost by the drop.
  await sql`ALTER TABLE rental_streams ADD COLUMN returned boolean NOT NULL DEFAULT false`.execute(
    db,
  )
  await sql`
    UPDATE rental_streams r SET returned = true
      FROM events e WHERE e.type = 'RentalClosed' AND (e.data->>'rentalId')::uuid = r.rental_id`.execute(
    db,
  )
}
