// Where a rental lives (its book and its renter): `rental_streams`, written once with the rent and
// never changed. A process remembers the places of the rentals it rented or looked up, so that the
// return of a rental this process made joins its batch without a round trip of its own.
import type { Kysely } from 'kysely'
import type { DB } from '../db/tables.js'

export interface RentalPlace {
  book_id: string
  user_id: string
}

/** Places kept per database handle; the oldest goes first beyond this (about 200 bytes each). */
const KEPT = 50_000

const known = new WeakMap<Kysely<DB>, Map<string, RentalPlace>>()

function placesOf(db: Kysely<DB>): Map<string, RentalPlace> {
  let places = known.get(db)
  if (!places) {
    places = new Map()
    known.set(db, places)
  }
  return places
}

/** Remembers a rental's place once its rent has committed. */
export function keepRentalPlace(db: Kysely<DB>, rentalId: string, place: RentalPlace): void {
  const places = placesOf(db)
  places.set(rentalId, place)
  if (places.size > KEPT) places.delete(places.keys().next().value!)
}

/** Forgets a rental's place (once returned, it is rarely asked for again). */
export function forgetRentalPlace(db: Kysely<DB>, rentalId: string): void {
  known.get(db)?.delete(rentalId)
}

/** The rental's place: remembered, or read (and then remembered); undefined if there is none. */
export async function rentalPlace(
  db: Kysely<DB>,
  rentalId: string,
): Promise<RentalPlace | undefined> {
  const kept = known.get(db)?.get(rentalId)
  if (kept) return kept
  const row = await db
    .selectFrom('rental_streams')
    .select(['book_id', 'user_id'])
    .where('rental_id', '=', rentalId)
    .executeTakeFirst()
  if (row) keepRentalPlace(db, rentalId, row)
  return row
}
