// How a command is defined and run. A command names the streams it decides on and decides purely
// over their snapshots; the process's batcher (./batcher.ts) reads, decides and writes it together
// with every other command queued meanwhile (DESIGN.md, "Commands in batches").
import type { Compilable, Kysely } from 'kysely'
import type { DB } from '../db/tables.js'
import type { AccountLimits } from '../domain/account.js'
import { DomainError } from '../domain/errors.js'
import type { Plan } from '../domain/pricing.js'
import type { StreamAppend } from '../eventstore/append.js'
import type { Position } from '../eventstore/position.js'
import { commandsTotal } from '../metrics.js'
import { batcherOf } from './batcher.js'
import type { Loaded } from './streams.js'

export interface CommandDeps {
  db: Kysely<DB>
  clock: () => Date
  plan: Plan
  limits: AccountLimits
  /** Flushes of the batcher in flight at once, on disjoint streams (COMMAND_FLUSHES_IN_FLIGHT). */
  flushesInFlight: number
}

export interface Actor {
  userId: string
  role: 'user' | 'staff'
}

export interface IdempotencyClaim {
  userId: string
  key: string
  requestHash: string
}

/** A stored response: what the route answered the first time this key was used. */
export interface StoredResponse {
  statusCode: number
  body: unknown
}

export interface CommandOptions<R> {
  idempotency?: IdempotencyClaim & { respond(result: R): StoredResponse }
}

/** What a command decided: the events to append, and the command side's rows written with them. */
export interface Decision<R> {
  appends: StreamAppend[]
  /** Writes of the command side's tables, made by the append's statement (all or nothing). */
  also?: Compilable[]
  /** What a unique violation of one of `also`'s writes means (given the constraint), if anything. */
  onUniqueViolation?: (constraint: string) => DomainError | undefined
  result: (position: Position) => R
}

/** The command changes nothing: no append; it is answered with the stream's latest position. */
export interface Unchanged<R> {
  unchangedAt: string
  result: (position: Position) => R
}

/** The decision state of the streams a command declared, as left by the commands before it. */
export interface Streams {
  get<S>(streamId: string, initial: S): Loaded<S>
}

export interface CommandDefinition<R> {
  /** Every stream `decide` reads: read with the rest of its batch in one query. */
  streams: readonly string[]
  /** Pure: the decision over the declared streams' state. Throws a DomainError to refuse. */
  decide(streams: Streams, now: Date): Decision<R> | Unchanged<R>
}

/**
 * A command: its definition, or the lookups that lead to it (e.g. where a rental lives), made
 * before it joins a batch. Those lookups may read only what no command changes once written.
 */
export type Command<R> = CommandDefinition<R> | ((db: Kysely<DB>) => Promise<CommandDefinition<R>>)

export async function executeCommand<R>(
  deps: CommandDeps,
  name: string,
  command: Command<R>,
  options: CommandOptions<R> = {},
): Promise<R> {
  try {
    const definition = typeof command === 'function' ? await command(deps.db) : command
    const result = await batcherOf(deps.db, deps.flushesInFlight).submit({
      name,
      definition,
      options,
      clock: deps.clock,
    })
    commandsTotal.inc({ command: name, outcome: 'ok' })
    return result
  } catch (err) {
    commandsTotal.inc({ command: name, outcome: err instanceof DomainError ? err.code : 'error' })
    throw err
  }
}
