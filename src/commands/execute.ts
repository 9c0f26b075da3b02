// Runs one command: reads the streams' snapshots, decides, then writes the events and the command
// side's own rows in one statement (the append, src/eventstore/append.ts), which fails as a whole
// if a stream moved meanwhile; then it is decided again from a fresh read, a bounded number of
// times. Under an Idempotency-Key the stored response, which holds the position the append
// returns, is written after it in the same transaction.
import type { Compilable, Kysely } from 'kysely'
import type { DB } from '../db/tables.js'
import type { AccountLimits } from '../domain/account.js'
import { DomainError } from '../domain/errors.js'
import type { Plan } from '../domain/pricing.js'
import { announceAppends } from '../eventstore/announce.js'
import { type AppendResult, appendToStreams, type StreamAppend } from '../eventstore/append.js'
import { ConcurrencyError } from '../eventstore/errors.js'
import type { Position } from '../eventstore/position.js'
import { commandsTotal, concurrencyRetries } from '../metrics.js'

export interface CommandDeps {
  db: Kysely<DB>
  clock: () => Date
  plan: Plan
  limits: AccountLimits
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

/** The command changes nothing: no append; `result` is the answer. */
export interface Unchanged<R> {
  unchanged: R
}

export type Decide<R> = (db: Kysely<DB>, now: Date) => Promise<Decision<R> | Unchanged<R>>

const MAX_ATTEMPTS = 12

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms))

export async function executeCommand<R>(
  deps: CommandDeps,
  command: string,
  decide: Decide<R>,
  options: CommandOptions<R> = {},
): Promise<R> {
  try {
    const result = await attempts(deps, command, decide, options)
    commandsTotal.inc({ command, outcome: 'ok' })
    return result
  } catch (err) {
    commandsTotal.inc({ command, outcome: err instanceof DomainError ? err.code : 'error' })
    throw err
  }
}

async function attempts<R>(
  deps: CommandDeps,
  command: string,
  decide: Decide<R>,
  options: CommandOptions<R>,
): Promise<R> {
  for (let attempt = 1; ; attempt++) {
    try {
      const decided = await decide(deps.db, deps.clock())
      if ('unchanged' in decided) {
        await remember(deps.db, options, decided.unchanged)
        return decided.unchanged
      }
      return await write(deps, decided, options)
    } catch (err) {
      if (!(err instanceof ConcurrencyError)) throw err
      if (attempt >= MAX_ATTEMPTS) {
        throw new DomainError(
          'CONCURRENCY_CONFLICT',
          `${err.streamId} kept changing under ${attempt} attempts; try again`,
        )
      }
      concurrencyRetries.inc({ command })
      // Jittered backoff so that racing writers stop colliding in lockstep.
      await pause(Math.random() * attempt * 2)
    }
  }
}

async function write<R>(
  deps: CommandDeps,
  decision: Decision<R>,
  options: CommandOptions<R>,
): Promise<R> {
  const append = (db: Kysely<DB>): Promise<AppendResult> =>
    appendToStreams(db, decision.appends, { also: decision.also ?? [] }).catch((err) => {
      const which = uniqueViolation(err)
      throw (which !== undefined && decision.onUniqueViolation?.(which)) || err
    })
  const result = options.idempotency
    ? await deps.db.transaction().execute(async (trx) => {
        const result = decision.result((await append(trx)).position)
        await remember(trx, options, result)
        return result
      })
    : decision.result((await append(deps.db)).position)
  void announceAppends(deps.db)
  return result
}

/** The Idempotency-Key's record of the response, if the request has a key. */
async function remember<R>(db: Kysely<DB>, options: CommandOptions<R>, result: R): Promise<void> {
  const idem = options.idempotency
  if (!idem) return
  const response = idem.respond(result)
  await db
    .insertInto('idempotency_keys')
    .values({
      user_id: idem.userId,
      key: idem.key,
      request_hash: idem.requestHash,
      status_code: response.statusCode,
      response: JSON.stringify(response.body),
    })
    .execute()
}

/** PostgreSQL's unique_violation, with the constraint or index that was violated. */
function uniqueViolation(err: unknown): string | undefined {
  const e = err as { code?: string; constraint?: string; detail?: string; message?: string }
  if (e?.code !== '23505') return undefined
  return e.constraint ?? e.detail ?? e.message ?? ''
}
