// What routes read from the user-balances read model: rentals, and a user's balance at any asOf.
import { type Kysely, sql } from 'kysely'
import { directRows, type ReadDef, type ReadRows, readsByFilters } from '../../src/db/reads.js'
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

const byId: ReadDef<{ id: string }, Row> = {
  key: 'user-balances: rental by id',
  build: (db, v) => rentals(db).where('rental_id', '=', v.id),
}

export async function getRental(
  db: Kysely<DB>,
  id: string,
  now: Date,
  read: ReadRows = directRows,
): Promise<Rental | undefined> {
  const [row] = await read(db, byId, { id })
  return row && toRental(row, now)
}

export interface RentalFilter {
  userId?: string
  bookId?: string
  status?: 'open' | 'returned'
  /** the (rentedAt ISO string, id) of the last rental of the previous page */
  after?: readonly [string, string]
  limit: number
}

interface ListValues {
  userId?: string
  bookId?: string
  afterRentedAt?: string
  afterId?: string
  limit: number
}

const listing = readsByFilters(
  'user-balances: rentals listed',
  ['user', 'book', 'open', 'returned', 'after'],
  (has, db, v: ListValues) => {
    let q = rentals(db)
    if (has.user) q = q.where('user_id', '=', v.userId!)
    if (has.book) q = q.where('book_id', '=', v.bookId!)
    if (has.open) q = q.where('returned_at', 'is', null)
    if (has.returned) q = q.where('returned_at', 'is not', null)
    if (has.after) {
      q = q.where(
        sql<boolean>`(rented_at, rental_id) < (${v.afterRentedAt}::timestamptz, ${v.afterId}::uuid)`,
      )
    }
    return q.orderBy('rented_at', 'desc').orderBy('rental_id', 'desc').limit(v.limit)
  },
)

/** Newest first, then by id; `limit + 1` rows so the caller can tell if there is a next page. */
export async function listRentals(
  db: Kysely<DB>,
  f: RentalFilter,
  now: Date,
  read: ReadRows = directRows,
): Promise<Rental[]> {
  const present = {
    user: !!f.userId,
    book: !!f.bookId,
    open: f.status === 'open',
    returned: f.status === 'returned',
    after: !!f.after,
  }
  const rows = await read(db, listing(present), {
    userId: f.userId,
    bookId: f.bookId,
    afterRentedAt: f.after?.[0],
    afterId: f.after?.[1],
    limit: f.limit + 1,
  })
  return rows.map((r) => toRental(r, now))
}

export type UserBalance = Balance & { userId: string }

type Carried = { chargedCents: number; paidCents: number }

/**
 * The user's balance at `asOf` through the one balance rule (computeBalance); undefined when the
 * read model knows no such account. One statement reads the account's running totals with its
 * open rentals (one row per rental, or one without when none is open), so the cost does not grow
 * with the user's history. An asOf before the latest posting takes a second statement, which sums
 * the history up to asOf and reads the rentals open then (one snapshot).
 */
export async function balanceOf(
  db: Kysely<DB>,
  userId: string,
  asOf: Date,
  read: ReadRows = directRows,
): Promise<UserBalance | undefined> {
  const rows = await read(db, standing, { userId })
  const account = rows[0]
  if (!account) return undefined
  let carried: Carried = { chargedCents: account.charged_cents, paidCents: account.paid_cents }
  let open = rows.flatMap((r) => (r.rental_id === null ? [] : [toBalanceRental(r as Row)]))
  // asOf before the latest posting: the totals hold too much, so sum the history up to asOf.
  if (account.last_posted_at !== null && account.last_posted_at.getTime() > asOf.getTime()) {
    ;({ carried, open } = await historyAt(db, userId, asOf.toISOString()))
  }
  return { userId, ...computeBalance({ rentals: open, payments: [], carried }, asOf) }
}

const rentalColumns = columns.map((c) => `r.${c}` as const)

/** An account's running totals with its open rentals: one row per rental, or one without. */
const standing = {
  key: 'user-balances: account totals and open rentals',
  build: (db: Kysely<DB>, v: { userId: string }) =>
    db
      .withSchema(userBalances.schema)
      .selectFrom('accounts as a')
      .leftJoin('rentals as r', (j) =>
        j.onRef('r.user_id', '=', 'a.user_id').on('r.returned_at', 'is', null),
      )
      .select(['a.charged_cents', 'a.paid_cents', 'a.last_posted_at', ...rentalColumns])
      .where('a.user_id', '=', v.userId),
}

/** What was posted by `at` (final charges of rentals returned, payments), and what was open then. */
async function historyAt(db: Kysely<DB>, userId: string, at: string) {
  const table = (name: string) => sql.table(`${userBalances.schema}.${name}`)
  const { rows } = await sql<Carried & Partial<Row>>`
    SELECT t."chargedCents", t."paidCents", r.* FROM (SELECT
      (SELECT coalesce(sum(charge_cents), 0) FROM ${table('rentals')}
        WHERE user_id = ${userId} AND returned_at <= ${at}::timestamptz)::bigint AS "chargedCents",
      (SELECT coalesce(sum(amount_cents), 0) FROM ${table('payments')}
        WHERE user_id = ${userId} AND recorded_at <= ${at}::timestamptz)::bigint AS "paidCents") t
    LEFT JOIN ${table('rentals')} r ON r.user_id = ${userId} AND r.rented_at <= ${at}::timestamptz
      AND (r.returned_at IS NULL OR r.returned_at > ${at}::timestamptz)`.execute(db)
  const { chargedCents, paidCents } = rows[0]!
  const open = rows.flatMap((r) => (r.rental_id == null ? [] : [toBalanceRental(r as Row)]))
  return { carried: { chargedCents, paidCents }, open }
}

export interface Standing {
  balanceCents: number
  openRentals: number
}

/**
 * Each user's balance now (through computeBalance, with the running totals carried) and number of
 * open rentals, for a page of users: two queries whatever the page's size. Users the read model
 * does not know yet stand at zero.
 */
export async function standingsOf(
  db: Kysely<DB>,
  userIds: readonly string[],
  now: Date,
): Promise<Map<string, Standing>> {
  const standings = new Map<string, Standing>()
  if (userIds.length === 0) return standings
  const ids = [...userIds]
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (trx) => {
      const accounts = await trx
        .withSchema(userBalances.schema)
        .selectFrom('accounts')
        .select(['user_id', 'charged_cents', 'paid_cents'])
        .where(sql<boolean>`user_id = ANY(${ids}::uuid[])`)
        .execute()
      const open = await rentals(trx)
        .where(sql<boolean>`user_id = ANY(${ids}::uuid[])`)
        .where('returned_at', 'is', null)
        .execute()
      for (const a of accounts) {
        const mine = open.filter((r) => r.user_id === a.user_id).map(toBalanceRental)
        const carried = { chargedCents: a.charged_cents, paidCents: a.paid_cents }
        const balance = computeBalance({ rentals: mine, payments: [], carried }, now)
        standings.set(a.user_id, {
          balanceCents: balance.balanceCents,
          openRentals: balance.openRentals.length,
        })
      }
      return standings
    })
}

export interface Payment {
  id: string
  userId: string
  amountCents: number
  reference: string | null
  recordedAt: string
  recordedBy: string | null
}

export interface PaymentFilter {
  userId?: string
  /** the (recordedAt ISO string, id) of the last payment of the previous page */
  after?: readonly [string, string]
  limit: number
}

/** Newest first, then by id; `limit + 1` rows so the caller can tell if there is a next page. */
export async function listPayments(db: Kysely<DB>, f: PaymentFilter): Promise<Payment[]> {
  let q = db
    .withSchema(userBalances.schema)
    .selectFrom('payments')
    .select(['payment_id', 'user_id', 'amount_cents', 'reference', 'recorded_at', 'recorded_by'])
  if (f.userId) q = q.where('user_id', '=', f.userId)
  if (f.after) {
    q = q.where(
      sql<boolean>`(recorded_at, payment_id) < (${f.after[0]}::timestamptz, ${f.after[1]}::uuid)`,
    )
  }
  const rows = await q
    .orderBy('recorded_at', 'desc')
    .orderBy('payment_id', 'desc')
    .limit(f.limit + 1)
    .execute()
  return rows.map((r) => ({
    id: r.payment_id,
    userId: r.user_id,
    amountCents: r.amount_cents,
    reference: r.reference,
    recordedAt: new Date(r.recorded_at).toISOString(),
    recordedBy: r.recorded_by,
  }))
}
