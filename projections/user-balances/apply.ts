// SQL: per user, running totals of posted charges and payments, and every rental and payment,
// enough to answer a balance at any asOf and to list rentals. A batch is folded in memory first
// (evolve.ts says what each event does), then written with one statement of set-based writes.
import { type Kysely, sql, type Transaction } from 'kysely'
import { insertFrom, recordset } from '../../src/db/recordset.js'
import type { DB } from '../../src/db/tables.js'
import type { AccountEvent } from '../../src/domain/events.js'
import type { StoredEvent } from '../../src/eventstore/reader.js'
import type {
  BulkEvent,
  BulkLoad,
  BulkOut,
  BulkTable,
  Projection,
} from '../../src/projector/projection.js'
import { type BalanceChange, evolve } from './evolve.js'

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
  // a book's rentals, newest first (the staff's rentals filtered by book)
  await sql`CREATE INDEX ON ${sql.id(schema, 'rentals')} (book_id, rented_at, rental_id)`.execute(
    db,
  )
  await sql`CREATE INDEX ON ${sql.id(schema, 'rentals')} (user_id) WHERE returned_at IS NULL`.execute(
    db,
  )
  await sql`
    CREATE TABLE ${sql.id(schema, 'payments')} (
      payment_id uuid PRIMARY KEY,
      user_id uuid NOT NULL,
      amount_cents bigint NOT NULL,
      reference text,
      recorded_at timestamptz NOT NULL,
      recorded_by uuid
    )`.execute(db)
  await sql`CREATE INDEX ON ${sql.id(schema, 'payments')} (user_id, recorded_at)`.execute(db)
  await sql`CREATE INDEX ON ${sql.id(schema, 'payments')} (recorded_at, payment_id)`.execute(db)
}

interface NewRental {
  rental_id: string
  book_id: string
  user_id: string
  plan: string
  book_type: string
  rented_at: string
  returned_at: string | null
  charge_cents: number | null
}
interface ClosedRental {
  rental_id: string
  returned_at: string
  charge_cents: number
}
interface NewPayment {
  payment_id: string
  user_id: string
  amount_cents: number
  reference: string | null
  recorded_at: string
  recorded_by: string | null
}
/** What the batch posts to an account: integer cents, and the latest posting time. */
interface Posting {
  user_id: string
  charged_cents: number
  paid_cents: number
  last_posted_at: string | null
}

const NEW_RENTAL = {
  rental_id: 'uuid',
  book_id: 'uuid',
  user_id: 'uuid',
  plan: 'text',
  book_type: 'text',
  rented_at: 'timestamptz',
  returned_at: 'timestamptz',
  charge_cents: 'bigint',
} as const
const CLOSED_RENTAL = {
  rental_id: 'uuid',
  returned_at: 'timestamptz',
  charge_cents: 'bigint',
} as const
const NEW_PAYMENT = {
  payment_id: 'uuid',
  user_id: 'uuid',
  amount_cents: 'bigint',
  reference: 'text',
  recorded_at: 'timestamptz',
  recorded_by: 'uuid',
} as const
const POSTING = {
  user_id: 'uuid',
  charged_cents: 'bigint',
  paid_cents: 'bigint',
  last_posted_at: 'timestamptz',
} as const

const blank = (userId: string): Posting => ({
  user_id: userId,
  charged_cents: 0,
  paid_cents: 0,
  last_posted_at: null,
})

/**
 * The batch's net effect, table by table: rows it adds are added in their final state (rentals
 * opened and closed within it are added closed; accounts registered within it carry their
 * postings), so that every write touches rows no other write of the batch touches.
 */
export function foldBalances(changes: readonly BalanceChange[]): FoldedBalances {
  const folder = balanceFolder()
  for (const change of changes) folder.add(change)
  return folder.result()
}

interface FoldedBalances {
  accounts: Posting[]
  opened: NewRental[]
  closed: ClosedRental[]
  voided: { rental_id: string }[]
  payments: NewPayment[]
  postings: Posting[]
}

/**
 * foldBalances one change at a time (a replay folds the whole log so). Given `final`, a rental is
 * handed to it when it is closed and a payment when it is recorded, instead of being kept: nothing
 * but a void changes them after that, and a void of a row no longer held is written as a void of a
 * row from before (`voided`), applied once every row is in.
 */
function balanceFolder(final?: { rental(row: NewRental): void; payment(row: NewPayment): void }) {
  /** Accounts registered in this batch, with what the batch posts to them. */
  const accounts = new Map<string, Posting>()
  const opened = new Map<string, NewRental>()
  let closed: ClosedRental[] = []
  /** Rentals from earlier batches that a void takes out of the read model. */
  const voided: { rental_id: string }[] = []
  const payments: NewPayment[] = []
  const postings = new Map<string, Posting>()
  /** last_posted_at of each posting, parsed (a replay posts every return of the log) */
  const lastPosted = new Map<Posting, number>()
  const post = (
    userId: string,
    column: 'charged_cents' | 'paid_cents',
    cents: number,
    at: string | null,
  ) => {
    const p = accounts.get(userId) ?? postings.get(userId) ?? blank(userId)
    p[column] += cents
    if (at === null) {
      // A correction (a void) is not a posting in time: the rental leaves the history.
    } else {
      const ms = Date.parse(at)
      if (p.last_posted_at === null || ms > lastPosted.get(p)!) {
        p.last_posted_at = at
        lastPosted.set(p, ms)
      }
    }
    if (!accounts.has(userId)) postings.set(userId, p)
  }
  const add = (change: BalanceChange) => {
    switch (change.kind) {
      case 'account':
        accounts.set(change.userId, blank(change.userId))
        break
      case 'rentalOpened': {
        const r = change.rental
        opened.set(r.rentalId, {
          rental_id: r.rentalId,
          book_id: r.bookId,
          user_id: r.userId,
          plan: r.plan,
          book_type: r.bookType,
          rented_at: r.rentedAt,
          returned_at: null,
          charge_cents: null,
        })
        break
      }
      case 'rentalClosed': {
        const row = opened.get(change.rentalId)
        if (row) {
          row.returned_at = change.returnedAt
          row.charge_cents = change.chargeCents
          if (final) {
            opened.delete(change.rentalId)
            final.rental(row)
          }
        } else {
          closed.push({
            rental_id: change.rentalId,
            returned_at: change.returnedAt,
            charge_cents: change.chargeCents,
          })
        }
        post(change.userId, 'charged_cents', change.chargeCents, change.returnedAt)
        break
      }
      case 'payment': {
        const p = change.payment
        const row: NewPayment = {
          payment_id: p.paymentId,
          user_id: p.userId,
          amount_cents: p.amountCents,
          reference: p.reference,
          recorded_at: p.recordedAt,
          recorded_by: p.recordedBy ?? null,
        }
        if (final) final.payment(row)
        else payments.push(row)
        post(p.userId, 'paid_cents', p.amountCents, p.recordedAt)
        break
      }
      case 'rentalVoided': {
        const { rentalId } = change
        if (!opened.delete(rentalId)) voided.push({ rental_id: rentalId })
        closed = closed.filter((c) => c.rental_id !== rentalId)
        if (change.chargeCents !== null) {
          post(change.userId, 'charged_cents', -change.chargeCents, null)
        }
        break
      }
      case 'none':
        break
    }
  }
  return {
    add,
    result: (): FoldedBalances => ({
      accounts: [...accounts.values()],
      opened: [...opened.values()],
      closed,
      voided,
      payments,
      postings: [...postings.values()],
    }),
  }
}

const change = (e: BulkEvent) => evolve(e as unknown as AccountEvent)

function apply(db: Transaction<DB> | Kysely<DB>, events: readonly StoredEvent[]) {
  return write(db, foldBalances(events.map(change)))
}

const ACCOUNTS: BulkTable = { table: 'accounts', columns: POSTING }
const RENTALS: BulkTable = { table: 'rentals', columns: NEW_RENTAL }
const PAYMENTS: BulkTable = { table: 'payments', columns: NEW_PAYMENT }

/**
 * Replay: the whole log folded; returned rentals and payments loaded as the fold meets them, the
 * accounts and the rentals still open once it ends; the rest written as usual.
 */
function bulk(out: BulkOut): BulkLoad {
  const folder = balanceFolder({
    rental: (row) => out(RENTALS, row),
    payment: (row) => out(PAYMENTS, row),
  })
  return {
    add: (e) => folder.add(change(e)),
    finish() {
      const { accounts, opened, closed, voided, postings } = folder.result()
      for (const row of accounts) out(ACCOUNTS, row)
      for (const row of opened) out(RENTALS, row)
      return {
        rest: (db) =>
          write(db, { accounts: [], opened: [], closed, voided, payments: [], postings }),
      }
    },
  }
}

async function write(db: Transaction<DB> | Kysely<DB>, batch: FoldedBalances) {
  // One statement: its writes see the same snapshot, and the fold gave each its own rows.
  await db
    .with('new_accounts', (qb) => insertFrom(qb, 'accounts', POSTING, batch.accounts))
    .with('new_rentals', (qb) => insertFrom(qb, 'rentals', NEW_RENTAL, batch.opened))
    .with('closed_rentals', (qb) =>
      qb
        .updateTable('rentals')
        .from(recordset('x', CLOSED_RENTAL, batch.closed))
        .set((eb) => ({
          returned_at: eb.ref('x.returned_at'),
          charge_cents: eb.ref('x.charge_cents'),
        }))
        .whereRef('rentals.rental_id', '=', 'x.rental_id'),
    )
    .with('voided_rentals', (qb) =>
      qb
        .deleteFrom('rentals')
        .where(sql<boolean>`rental_id = ANY(${batch.voided.map((v) => v.rental_id)}::uuid[])`),
    )
    .with('new_payments', (qb) => insertFrom(qb, 'payments', NEW_PAYMENT, batch.payments))
    .with('posted', (qb) =>
      qb
        .updateTable('accounts')
        .from(recordset('x', POSTING, batch.postings))
        .set({
          charged_cents: sql`accounts.charged_cents + x.charged_cents`,
          paid_cents: sql`accounts.paid_cents + x.paid_cents`,
          last_posted_at: sql`greatest(accounts.last_posted_at, x.last_posted_at)`,
        })
        .whereRef('accounts.user_id', '=', 'x.user_id'),
    )
    .selectNoFrom(sql<number>`1`.as('done'))
    .execute()
}

export const userBalances: Projection = {
  name: 'user-balances',
  schema: 'proj_user_balances',
  categories: ['account'],
  createTables,
  apply,
  bulk,
}
