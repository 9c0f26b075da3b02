// SQL: per user, running totals of posted charges and payments, and every rental and payment,
// enough to answer a balance at any asOf and to list rentals.
import { type Kysely, sql, type Transaction } from 'kysely'
import type { DB } from '../../src/db/tables.js'
import type { AccountEvent } from '../../src/domain/events.js'
import type { StoredEvent } from '../../src/eventstore/reader.js'
import type { Projection } from '../../src/projector/projection.js'
import { evolve } from './evolve.js'

async function createTables(db: Kysely<DB>, schema: string): Promise<void> {
  await sql`
    CREATE TABLE ${sql.id(schema, 'accounts')} (
      user_id uuid PRIMARY KEY,
      charged_cents bigint NOT NULL DEFAULT 0,
      paid_cents bigint NOT NULL DEFAULT 0,
      last_posted_at timestamptz
    )`.execute(db)
  await sql`
    CREATE TABLE ${sql.id(schema, 'rentals')} (
      rental_id uuid PRIMARY KEY,
      book_id uuid NOT NULL,
      user_id uuid NOT NULL,
      plan text NOT NULL,
      book_type text NOT NULL,
      rented_at timestamptz NOT NULL,
      returned_at timestamptz,
      charge_cents bigint
    )`.execute(db)
  await sql`CREATE INDEX ON ${sql.id(schema, 'rentals')} (user_id, rented_at, rental_id)`.execute(
    db,
  )
  await sql`CREATE INDEX ON ${sql.id(schema, 'rentals')} (rented_at, rental_id)`.execute(db)
  await sql`CREATE INDEX ON ${sql.id(schema, 'rentals')} (user_id) WHERE returned_at IS NULL`.execute(
    db,
  )
  await sql`
    CREATE TABLE ${sql.id(schema, 'payments')} (
      payment_id uuid PRIMARY KEY,
      user_id uuid NOT NULL,
      amount_cents bigint NOT NULL,
      reference text,
      recorded_at timestamptz NOT NULL
    )`.execute(db)
  await sql`CREATE INDEX ON ${sql.id(schema, 'payments')} (user_id, recorded_at)`.execute(db)
}

async function apply(db: Transaction<DB> | Kysely<DB>, events: readonly StoredEvent[]) {
  for (const e of events) {
    const change = evolve(e as unknown as AccountEvent)
    switch (change.kind) {
      case 'account':
        await db
          .insertInto('accounts')
          .values({ user_id: change.userId, charged_cents: 0, paid_cents: 0, last_posted_at: null })
          .execute()
        break
      case 'rentalOpened': {
        const r = change.rental
        await db
          .insertInto('rentals')
          .values({
            rental_id: r.rentalId,
            book_id: r.bookId,
            user_id: r.userId,
            plan: r.plan,
            book_type: r.bookType,
            rented_at: r.rentedAt,
            returned_at: null,
            charge_cents: null,
          })
          .execute()
        break
      }
      case 'rentalClosed':
        await db
          .updateTable('rentals')
          .set({ returned_at: change.returnedAt, charge_cents: change.chargeCents })
          .where('rental_id', '=', change.rentalId)
          .execute()
        await post(db, change.userId, 'charged_cents', change.chargeCents, change.returnedAt)
        break
      case 'payment': {
        const p = change.payment
        await db
          .insertInto('payments')
          .values({
            payment_id: p.paymentId,
            user_id: p.userId,
            amount_cents: p.amountCents,
            reference: p.reference,
            recorded_at: p.recordedAt,
          })
          .execute()
        await post(db, p.userId, 'paid_cents', p.amountCents, p.recordedAt)
        break
      }
    }
  }
}

function post(
  db: Transaction<DB> | Kysely<DB>,
  userId: string,
  column: 'charged_cents' | 'paid_cents',
  cents: number,
  at: string,
) {
  return db
    .updateTable('accounts')
    .set({
      [column]: sql`${sql.ref(column)} + ${cents}`,
      last_posted_at: sql`greatest(last_posted_at, ${at}::timestamptz)`,
    })
    .where('user_id', '=', userId)
    .execute()
}

export const userBalances: Projection = {
  name: 'user-balances',
  schema: 'proj_user_balances',
  categories: ['account'],
  createTables,
  apply,
}
