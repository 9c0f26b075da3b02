// Runs one command: a short transaction that reads the streams' snapshots, decides, appends (the
// first write) and updates command-side state; retried on a concurrency conflict a bounded number
// of times. An Idempotency-Key's response is stored in the same transaction as the append.
import type { Kysely, Transaction } from 'kysely'
import type { DB } from '../db/tables.js'
import type { AccountLimits } from '../domain/account.js'
import { DomainError } from '../domain/errors.js'
import type { Plan } from '../domain/pricing.js'
import { ConcurrencyError } from '../eventstore/errors.js'
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

const MAX_ATTEMPTS = 12

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms))

export async function executeCommand<R>(
  deps: CommandDeps,
  command: string,
  body: (trx: Transaction<DB>, now: Date) => Promise<R>,
  options: CommandOptions<R> = {},
): Promise<R> {
  try {
    const result = await attempts(deps, command, body, options)
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
  body: (trx: Transaction<DB>, now: Date) => Promise<R>,
  options: CommandOptions<R>,
): Promise<R> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await deps.db.transaction().execute(async (trx) => {
        const result = await body(trx, deps.clock())
        const idem = options.idempotency
        if (idem) {
          const response = idem.respond(result)
          await trx
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
        return result
      })
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

/** PostgreSQL's unique_violation, with the constraint or index that was violated. */
export function uniqueViolation(err: unknown): string | undefined {
  const e = err as { code?: string; constraint?: string; detail?: string; message?: string }
  if (e?.code !== '23505') return undefined
  return e.constraint ?? e.detail ?? e.message ?? ''
}
