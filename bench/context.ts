// What every workload of a run shares: options, the fresh database, the running servers, the seeded
// population, and where figures, notes and problems are collected.
import type { Database } from '../src/db/database.js'
import type { Fresh } from './environment.js'
import type { BenchOptions } from './options.js'
import type { Server } from './processes.js'
import type { Row } from './report.js'

export interface Population {
  userIds: string[]
  /** one signed access token per user, in the same order */
  userTokens: string[]
  bookIds: string[]
  /** W2b: a user with `lightRentals` past rentals, and one with `heavyRentals` */
  lightToken: string
  heavyToken: string
  /** W6 */
  longBookId?: string
  newBookId?: string
}

export interface Bench {
  opts: BenchOptions
  fresh: Fresh
  /** the benchmark's own connection, for seeding and in-process workloads */
  database: Database
  /** the environment `rental-ledger` commands run with */
  serviceEnv: Record<string, string>
  /** the API process (WORKERS=off in the production topology) */
  service(): Server
  baseline(): Server
  /** switches between the production topology (API, relay and projector processes) and `serve`
   * with its workers in the API process */
  topology(kind: 'production' | 'all-in-one'): Promise<void>
  /** one more API process (WORKERS=off) on the same database; the caller stops it */
  startApi(): Promise<Server>
  population: Population
  rows: Row[]
  notes: string[]
  extra: Record<string, unknown>
  /** anything that makes the run fail (a smoke run gates on these, never on numbers) */
  problems: string[]
  log(message: string): void
}
