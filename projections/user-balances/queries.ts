// What routes read from the user-balances read model: rentals, and a user's balance at any asOf.
import { type Kysely, sql } from 'kysely'
import type { DB, ReadRentalsTable } from '../../src/db/tables.js'
import { type Balance, type BalanceRental, computeBalance } from '../../src/domain/balance.js'
import { chargeAt } from '../../src/domain/pricing.js'
import type { RentalView as Rental } from '../../src/domain/views.js'
import { userBalances } from './apply.js'

export type { RentalView as Rental } from '../../src/domain/views.js'

type Row = Pick<
  ReadRentalsTable,
  'book_id' | 'user_id' | 'plan' | 'book_type' | 'charge_cents' | 'rental_id'
> & { rented_at: Date; returned_at: Date | null }

const columns = [
  'rental_id',
  'book_id',
  'user_id',
  'plan',
  'book_type',
  'rented_at',
  'returned_at',
  'charge_cents',
] as const

const toRental = (r: Row, now: Date): Rental => ({
  id: r.rental_id,
  bookId: r.book_id,
  userId: r.user_id,
  plan: r.plan,
  rentedAt: r.rented_at.toISOString(),
  returnedAt: r.returned_at?.toISOString() ?? null,
  chargeCents:
    r.returned_at === null || r.charge_cents === null
      ? chargeAt(r.plan, r.book_type, r.rented_at, now).chargeCents
      : r.charge_cents,
})

const toBalanceRental = (r: Row): BalanceRental => ({
  rentalId: r.rental_id,
  bookId: r.book_id,
  plan: r.plan,
  bookType: r.book_type,
  rentedAt: r.rented_at,
  returnedAt: r.returned_at,
  chargeCents: r.charge_cents,
})

const rentals = (db: Kysely<DB>) =>
  db.withSchema(userBalances.schema).selectFrom('rentals').select(columns)

export async function getRental(
  db: Kysely<DB>,
  id: string,
  now: Date,
): Promise<Rental | undefined> {
  const row = await rentals(db).where('rental_id', '=', id).executeTakeFirst()
  return row && toRental(row, now)
}

export interface RentalFilter {
  userId?: string
  status?: 'open' | 'returned'
  /** the (rentedAt ISO string, id) of the last rental of the previous page */
  after?: readonly [string, string]
  limit: number
}

/** Newest first, then by id; `limit + 1` rows so the caller can tell if there is a next page. */
export async function listRentals(db: Kysely<DB>, f: RentalFilter, now: Date): Promise<Rental[]> {
  let q = rentals(db)
  if (f.userId) q = q.where('user_id', '=', f.userId)
  if (f.status === 'open') q = q.where('returned_at', 'is', null)
  if (f.status === 'returned') q = q.where('returned_at', 'is not', null)
  if (f.after) {
    q = q.where(
      sql<boolean>`(rented_at, rental_id) < (${f.after[0]}::timestamptz, ${f.after[1]}::uuid)`,
    )
  }
  const rows = await q
    .orderBy('rented_at', 'desc')
    .orderBy('rental_id', 'desc')
    .limit(f.limit + 1)
    .execute()
  return rows.map((r) => toRental(r, now))
}

export type UserBalance = Balance & { userId: string }

type Carried = { chargedCents: number; paidCents: number }

/** What was posted by `at`: final charges of rentals returned, and payments recorded. */
async function postedBy(trx: Kysely<DB>, userId: string, at: string): Promise<Carried> {
  const table = (name: string) => sql.table(`${userBalances.schema}.${name}`)
  const { rows } = await sql<Carried>`
    SELECT
      (SELECT coalesce(sum(charge_cents), 0) FROM ${table('rentals')}
        WHERE user_id = ${userId} AND returned_at <= ${at}::timestamptz)::bigint AS "chargedCents",
      (SELECT coalesce(sum(amount_cents), 0) FROM ${table('payments')}
        WHERE user_id = ${userId} AND recorded_at <= ${at}::timestamptz)::bigint AS "paidCents"
  `.execute(trx)
  return rows[0]!
}

/**
 * The user's balance at `asOf` through the one balance rule (computeBalance); undefined when the
 * read model knows no such account. When asOf is not before anything posted to the account, its
 * running totals are carried and only the open rentals are read, so the cost does not grow with
 * the user's history; an earlier asOf sums the history up to it in SQL. One repeatable-read
 * snapshot, so totals and rentals come from the same applied batch.
 */
export function balanceOf(
  db: Kysely<DB>,
  userId: string,
  asOf: Date,
): Promise<UserBalance | undefined> {
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (trx) => {
      const account = await trx
        .withSchema(userBalances.schema)
        .selectFrom('accounts')
        .select(['charged_cents', 'paid_cents', 'last_posted_at'])
        .where('user_id', '=', userId)
        .executeTakeFirst()
      if (!account) return undefined
      let carried: Carried = { chargedCents: account.charged_cents, paidCents: account.paid_cents }
      let open = rentals(trx).where('user_id', '=', userId).where('returned_at', 'is', null)
      // asOf before the latest posting: the totals hold too much, so sum the history up to asOf.
      if (account.last_posted_at !== null && account.last_posted_at.getTime() > asOf.getTime()) {
        const at = asOf.toISOString()
        carried = await postedBy(trx, userId, at)
        open = rentals(trx)
          .where('user_id', '=', userId)
          .where(sql<boolean>`rented_at <= ${at}::timestamptz`)
          .where(sql<boolean>`(returned_at IS NULL OR returned_at > ${at}::timestamptz)`)
      }
      const input = { rentals: (await open.execute()).map(toBalanceRental), payments: [], carried }
      return { userId, ...computeBalance(input, asOf) }
    })
}
