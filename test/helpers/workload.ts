// A mixed workload through the real command handlers: rents, returns, payments and new books from
// concurrent clients, with some deliberately slow transactions that commit late behind a lower
// log position (the case that breaks naive log readers).
import { randomUUID } from 'node:crypto'
import { sql } from 'kysely'
import { registerUser } from '../../src/commands/accounts.js'
import { addBook } from '../../src/commands/books.js'
import type { CommandDeps } from '../../src/commands/execute.js'
import { recordPayment } from '../../src/commands/payments.js'
import { rentBook, returnBook } from '../../src/commands/rentals.js'
import { DomainError } from '../../src/domain/errors.js'
import { appendToStreams } from '../../src/eventstore/append.js'

export interface Population {
  users: string[]
  books: string[]
  /** user -> their open rentals, kept across runs */
  open: Map<string, string[]>
}

export async function populate(
  deps: CommandDeps,
  users: number,
  books: number,
): Promise<Population> {
  const pop: Population = { users: [], books: [], open: new Map() }
  for (let i = 0; i < users; i++) {
    const name = `load-${i}-${randomUUID().slice(0, 6)}`
    const { user } = await registerUser(
      deps,
      { username: name, email: `${name}@example.com`, passwordHash: 'x', role: 'user' },
      {},
    )
    pop.users.push(user.id)
  }
  for (let i = 0; i < books; i++) pop.books.push(await newBook(deps))
  return pop
}

async function newBook(deps: CommandDeps): Promise<string> {
  const types = ['regular', 'fiction', 'novel'] as const
  const { book } = await addBook(
    deps,
    {
      title: `Load test volume ${randomUUID()}`,
      author: 'Anon',
      description: 'A book.',
      type: types[Math.floor(Math.random() * 3)]!,
      copies: 10,
    },
    {},
  )
  return book.id
}

export interface WorkloadStats {
  attempted: number
  appended: number
  refused: number
  refusedBy: Record<string, number>
  slow: number
}

const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!

/** Runs `commands` commands from `clients` concurrent clients; business refusals are counted. */
export async function runWorkload(
  deps: CommandDeps,
  pop: Population,
  commands: number,
  clients = 16,
  onProgress?: (done: number) => void,
): Promise<WorkloadStats> {
  const stats: WorkloadStats = { attempted: 0, appended: 0, refused: 0, refusedBy: {}, slow: 0 }
  const open = pop.open
  let issued = 0
  const client = async (c: number) => {
    while (issued < commands) {
      const n = ++issued
      const user = pop.users[(c + n * 7) % pop.users.length]!
      const mine = open.get(user) ?? []
      const roll = Math.random()
      stats.attempted++
      try {
        if (n % 97 === 0) {
          await slowAppend(deps)
          stats.slow++
        } else if (roll < 0.05) {
          pop.books.push(await newBook(deps))
        } else if (roll < 0.2) {
          await recordPayment(
            deps,
            { userId: user, amountCents: 500 + (n % 1000), reference: null, recordedBy: user },
            {},
          )
        } else if (roll < 0.6 && mine.length > 0) {
          const rentalId = mine.shift()!
          await returnBook(deps, { rentalId, actor: { userId: user, role: 'user' } }, {})
        } else {
          const { rental } = await rentBook(deps, { bookId: pick(pop.books), userId: user }, {})
          mine.push(rental.id)
          open.set(user, mine)
        }
        stats.appended++
      } catch (err) {
        if (!(err instanceof DomainError)) throw err
        stats.refused++
        stats.refusedBy[err.code] = (stats.refusedBy[err.code] ?? 0) + 1
      }
      onProgress?.(stats.attempted)
    }
  }
  await Promise.all(Array.from({ length: clients }, (_, c) => client(c)))
  return stats
}

/** An append whose transaction stays open a while after taking its log position. */
async function slowAppend(deps: CommandDeps): Promise<void> {
  await deps.db.transaction().execute(async (trx) => {
    await appendToStreams(trx, [
      {
        streamId: `slow-${randomUUID()}`,
        expectedVersion: 0,
        events: [{ eventId: randomUUID(), type: 'SlowCommitted', data: {} }],
        state: {},
      },
    ])
    await sql`SELECT pg_sleep(0.15)`.execute(trx)
  })
}
