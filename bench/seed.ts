// Data for the benchmarks, written through the service's own append path: catalogue and accounts
// through the command handlers, long histories through decide/evolve and appendToStreams in large
// batches (one transaction per batch), so the log holds exactly what the service would have written.
import { randomUUID } from 'node:crypto'
import type { Transaction } from 'kysely'
import { hashPassword } from '../src/auth/credentials.js'
import { registerUser } from '../src/commands/accounts.js'
import { addBook } from '../src/commands/books.js'
import type { CommandDeps } from '../src/commands/execute.js'
import { appendFor, type Loaded } from '../src/commands/streams.js'
import type { DB } from '../src/db/tables.js'
import { decideAccount, evolveAccount, initialAccountState } from '../src/domain/account.js'
import { type BookState, decideBook, evolveBook, initialBookState } from '../src/domain/book.js'
import {
  type AccountEvent,
  accountStreamId,
  type BookEvent,
  bookStreamId,
} from '../src/domain/events.js'
import type { BookType } from '../src/domain/pricing.js'
import { appendToStreams, type StreamAppend } from '../src/eventstore/append.js'
import { loadStreams } from '../src/eventstore/streams.js'

const HOUR = 3_600_000
const BOOK_TYPES: readonly BookType[] = ['regular', 'fiction', 'novel']
const SEED_META = { actor: 'bench-seed' }

/** Runs `fn` over `items` with at most `width` in flight. */
export async function inParallel<T, R>(
  items: readonly T[],
  width: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length)
  let next = 0
  const lane = async () => {
    while (next < items.length) {
      const i = next++
      out[i] = await fn(items[i]!, i)
    }
  }
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, lane))
  return out
}

export interface SeededUser {
  id: string
  username: string
}

/** `count` users through registerUser; one cheap bcrypt hash shared (logins are not measured). */
export async function seedUsers(
  deps: CommandDeps,
  count: number,
  label: string,
): Promise<SeededUser[]> {
  const passwordHash = await hashPassword('bench-password', 4)
  const indexes = Array.from({ length: count }, (_, i) => i)
  return inParallel(indexes, 8, async (i) => {
    const username = `bench-${label}-${i}-${randomUUID().slice(0, 8)}`
    const { user } = await registerUser(
      deps,
      { username, email: `${username}@bench.example`, passwordHash, role: 'user' },
      SEED_META,
    )
    return { id: user.id, username }
  })
}

/** `count` books of `copies` copies each, through addBook. */
export async function seedBooks(
  deps: CommandDeps,
  count: number,
  copies: number,
  label: string,
): Promise<string[]> {
  const indexes = Array.from({ length: count }, (_, i) => i)
  return inParallel(indexes, 8, async (i) => {
    const { book } = await addBook(
      deps,
      {
        title: `Bench ${label} volume ${i} ${randomUUID().slice(0, 8)}`,
        author: `Author ${i % 97}`,
        description: 'A book the benchmark rents and returns.',
        type: BOOK_TYPES[i % BOOK_TYPES.length]!,
        copies,
      },
      SEED_META,
    )
    return book.id
  })
}

/** One (book, user) pair's past rentals: each rented, then returned `holdHours` later. */
export interface RentalRun {
  bookId: string
  userId: string
  rentals: number
  /** when the first rental began; rentals follow each other `stepHours` apart */
  start: Date
  stepHours?: number
  holdHours?: number
}

interface Decided {
  book: StreamAppend
  account: StreamAppend
  rentalIds: string[]
}

const limits = { maxOpenRentals: 1_000, maxOwedCents: 100_000_000 }

async function decideRun(trx: Transaction<DB>, run: RentalRun): Promise<Decided> {
  const ids = [bookStreamId(run.bookId), accountStreamId(run.userId)] as const
  const snaps = await loadStreams(trx, ids)
  const loaded = <S>(streamId: string, initial: S): Loaded<S> => {
    const snap = snaps.get(streamId)!
    return { streamId, version: snap.version, state: (snap.state as S | null) ?? initial }
  }
  const book = loaded(ids[0], initialBookState)
  const account = loaded(ids[1], initialAccountState)
  const bookEvents: BookEvent[] = []
  const accountEvents: AccountEvent[] = []
  const rentalIds: string[] = []
  let b = book.state
  let a = account.state
  const step = (run.stepHours ?? 3) * HOUR
  const hold = (run.holdHours ?? 2) * HOUR
  for (let i = 0; i < run.rentals; i++) {
    const rentalId = randomUUID()
    rentalIds.push(rentalId)
    const rentedAt = new Date(run.start.getTime() + i * step)
    const returnedAt = new Date(rentedAt.getTime() + hold)
    const plan = 'v3'
    const { bookId, userId } = run
    const rented = decideBook({ type: 'RentBook', rentalId, bookId, userId, plan }, b, {
      now: rentedAt,
    })
    b = rented.reduce(evolveBook, b)
    const bookType = (b as NonNullable<BookState>).bookType
    const opened = decideAccount({ type: 'OpenRental', rentalId, bookId, bookType, plan }, a, {
      now: rentedAt,
      limits,
    })
    a = opened.reduce(evolveAccount, a)
    const returned = decideBook({ type: 'ReturnBook', rentalId, bookId }, b, { now: returnedAt })
    b = returned.reduce(evolveBook, b)
    const closed = decideAccount({ type: 'CloseRental', rentalId }, a, { now: returnedAt, limits })
    a = closed.reduce(evolveAccount, a)
    bookEvents.push(...rented, ...returned)
    accountEvents.push(...opened, ...closed)
  }
  return {
    book: appendFor(book, bookEvents, evolveBook, SEED_META),
    account: appendFor(account, accountEvents, evolveAccount, SEED_META),
    rentalIds,
  }
}

/**
 * Appends the runs' rentals in one transaction, as the command handlers would have: book and
 * account streams through appendToStreams (expected versions, snapshots), and the command side's
 * rental index. Each run must name a book and a user no other run of the batch names.
 */
export async function appendRentalBatch(
  deps: Pick<CommandDeps, 'db'>,
  runs: readonly RentalRun[],
): Promise<number> {
  return deps.db.transaction().execute(async (trx) => {
    const decided: Decided[] = []
    for (const run of runs) decided.push(await decideRun(trx, run))
    await appendToStreams(
      trx,
      decided.flatMap((d) => [d.book, d.account]),
    )
    const index = decided.flatMap((d, i) =>
      d.rentalIds.map((rental_id) => ({
        rental_id,
        book_id: runs[i]!.bookId,
        user_id: runs[i]!.userId,
      })),
    )
    // PostgreSQL takes at most 65,535 parameters per statement.
    for (let i = 0; i < index.length; i += 10_000) {
      await trx
        .insertInto('rental_streams')
        .values(index.slice(i, i + 10_000))
        .execute()
    }
    return decided.reduce((n, d) => n + d.book.events.length + d.account.events.length, 0)
  })
}

/** Events per batch transaction: 4 per rental, well under the parameter limit per insert. */
const RENTALS_PER_BATCH = 1_000

/**
 * `rentals` returned rentals of one book, in batches of RENTALS_PER_BATCH, each batch by the next
 * of `userIds` in turn. The history ends a day before now, so that balances take the running
 * totals (the path whose cost must not grow with history). Returns the events appended.
 */
export async function seedRentals(
  deps: Pick<CommandDeps, 'db'>,
  bookId: string,
  userIds: readonly string[],
  rentals: number,
): Promise<number> {
  const stepHours = 3
  const first = Date.now() - 24 * HOUR - rentals * stepHours * HOUR
  let events = 0
  for (let done = 0, b = 0; done < rentals; done += RENTALS_PER_BATCH, b++) {
    const n = Math.min(RENTALS_PER_BATCH, rentals - done)
    const start = new Date(first + done * stepHours * HOUR)
    const userId = userIds[b % userIds.length]!
    events += await appendRentalBatch(deps, [{ bookId, userId, rentals: n, start, stepHours }])
  }
  return events
}

/**
 * Fills the log up to about `target` events with past rentals spread over the given books and
 * users: batches of 50 (book, user) pairs, 20 rentals each, from two lanes that never share a
 * stream (each takes its own half of the pairs). Returns the events appended.
 */
export async function topUpLog(
  deps: Pick<CommandDeps, 'db'>,
  current: number,
  target: number,
  books: readonly string[],
  users: readonly string[],
): Promise<number> {
  const pairs = Math.min(books.length, users.length)
  const half = Math.floor(pairs / 2)
  if (half < 1) throw new Error('topUpLog needs at least two books and two users')
  const perBatch = Math.min(50, half)
  const perPair = 20
  const eventsPerBatch = perBatch * perPair * 4
  let remaining = Math.max(0, Math.ceil((target - current) / eventsPerBatch))
  const start = new Date(Date.now() - 400 * 24 * HOUR)
  let appended = 0
  const lane = async (base: number) => {
    for (let k = 0; remaining > 0; k++) {
      remaining--
      const runs: RentalRun[] = Array.from({ length: perBatch }, (_, j) => {
        const pair = base + ((k * perBatch + j) % half)
        return { bookId: books[pair]!, userId: users[pair]!, rentals: perPair, start }
      })
      const n = await appendRentalBatch(deps, runs)
      appended += n
    }
  }
  await Promise.all([lane(0), lane(half)])
  return appended
}
