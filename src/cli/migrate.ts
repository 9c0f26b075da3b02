// `migrate`: waits for PostgreSQL to accept connections (a database that is still starting, or a
// DNS name not yet published, is normal on a fresh install), then applies migrations/. The wait is
// bounded: after --connect-attempts tries with doubling pauses it exits 1 naming the last error.
// Errors that waiting cannot cure (a wrong password, a missing database, a TLS failure) end it at once.
import { setTimeout as sleep } from 'node:timers/promises'
import { parseArgs } from 'node:util'
import pg from 'pg'
import type { Config } from '../config.js'
import { openDatabase } from '../db/database.js'
import { migrateToLatest } from '../db/migrate.js'

/** Network errors and PostgreSQL's "starting up / shutting down / too many connections". */
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  '08001',
  '08006',
])

/** An AggregateError (every address of a name refused) has a code but an empty message. */
const describe = (err: unknown): string =>
  (err as Error).message || String((err as { code?: string }).code ?? err)

function transient(err: unknown): boolean {
  const { code, message } = err as { code?: string; message?: string }
  if (code && TRANSIENT_CODES.has(code)) return true
  // pg reports a closed socket and its own connect timeout without a code.
  return /Connection terminated|timeout expired/i.test(message ?? '')
}

export interface ConnectRetry {
  attempts: number
  firstDelayMs: number
  maxDelayMs: number
  connectTimeoutMs: number
}

/**
 * Opens and closes one connection until one succeeds. Resolves with the number of attempts it
 * took, or rejects with an Error whose message says how many attempts were made and the last error.
 */
export async function waitForPostgres(
  url: string,
  retry: ConnectRetry,
  onRetry: (attempt: number, err: Error, delayMs: number) => void,
): Promise<number> {
  let delay = retry.firstDelayMs
  for (let attempt = 1; ; attempt++) {
    const client = new pg.Client({
      connectionString: url,
      connectionTimeoutMillis: retry.connectTimeoutMs,
    })
    try {
      await client.connect()
      await client.end()
      return attempt
    } catch (err) {
      await client.end().catch(() => {})
      const message = describe(err)
      if (!transient(err)) throw new Error(`PostgreSQL refused the connection: ${message}`)
      if (attempt >= retry.attempts) {
        throw new Error(
          `PostgreSQL not reachable after ${attempt} attempt(s); last error: ${message}`,
        )
      }
      onRetry(attempt, err as Error, delay)
      await sleep(delay)
      delay = Math.min(delay * 2, retry.maxDelayMs)
    }
  }
}

export async function migrate(args: string[], config: Config): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { 'connect-attempts': { type: 'string', default: '10' } },
  })
  const attempts = Number(values['connect-attempts'])
  if (!Number.isInteger(attempts) || attempts < 1) {
    process.stderr.write('rental-ledger migrate: --connect-attempts must be a positive integer\n')
    return 2
  }
  if (config.DATABASE_URL) {
    const retry = { attempts, firstDelayMs: 250, maxDelayMs: 5000, connectTimeoutMs: 5000 }
    try {
      await waitForPostgres(config.DATABASE_URL, retry, (attempt, err, delayMs) =>
        process.stderr.write(
          `rental-ledger migrate: PostgreSQL not reachable yet (attempt ${attempt}/${attempts}: ${describe(err)}); retrying in ${delayMs} ms\n`,
        ),
      )
    } catch (err) {
      process.stderr.write(`rental-ledger migrate: ${(err as Error).message}\n`)
      return 1
    }
  }
  const database = await openDatabase(config)
  try {
    const { applied } = await migrateToLatest(database.db)
    process.stdout.write(
      applied.length
        ? `applied ${applied.length} migration(s): ${applied.join(', ')}\n`
        : 'the database is up to date\n',
    )
    return 0
  } finally {
    await database.close()
  }
}
