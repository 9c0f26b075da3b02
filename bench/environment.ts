// What a benchmark run stands on: a fresh database and NATS prefix of its own (removed at the end),
// the baseline's table, and a description of the machine and the versions for the results file.
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { cpus, loadavg, totalmem } from 'node:os'
import { join } from 'node:path'
import { jetstreamManager } from '@nats-io/jetstream'
import { connect } from '@nats-io/transport-node'
import pg from 'pg'

export const ADMIN_URL =
  process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
export const NATS_URL = process.env.BENCH_NATS_URL ?? 'nats://127.0.0.1:4222'
export const BASELINE_TABLE = 'bench_baseline_rows'
/** The write baselines' table: event-sized rows, appended. */
export const BASELINE_WRITES = 'bench_baseline_writes'

const ROOT = join(import.meta.dirname, '..')

async function admin<T>(fn: (c: pg.Client) => Promise<T>, url = ADMIN_URL): Promise<T> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 })
  await c.connect()
  try {
    return await fn(c)
  } finally {
    await c.end().catch(() => {})
  }
}

export interface Fresh {
  database: string
  url: string
  /** NATS_PREFIX: names the service's stream, subjects and consumers */
  prefix: string
}

/** A new empty database and an unused NATS prefix, both named after one random tag. */
export async function createFresh(): Promise<Fresh> {
  const tag = randomBytes(5).toString('hex')
  const database = `rl_bench_${tag}`
  await admin((c) => c.query(`CREATE DATABASE ${database}`))
  const url = new URL(ADMIN_URL)
  url.pathname = `/${database}`
  return { database, url: url.toString(), prefix: `bench${tag}` }
}

/** The JetStream streams a run may have created: the service's and the raw baseline's. */
export const streamsOf = (prefix: string) => [prefix.toUpperCase(), `${prefix.toUpperCase()}_RAW`]

/** Drops the database and deletes the streams; returns what could not be removed. */
export async function removeFresh(fresh: Fresh): Promise<string[]> {
  const left: string[] = []
  await admin((c) => c.query(`DROP DATABASE IF EXISTS ${fresh.database} WITH (FORCE)`)).catch(
    (err) => left.push(`database ${fresh.database}: ${err}`),
  )
  try {
    const nc = await connect({ servers: NATS_URL, timeout: 5_000 })
    try {
      const jsm = await jetstreamManager(nc)
      for (const s of streamsOf(fresh.prefix)) await jsm.streams.delete(s).catch(() => false)
    } finally {
      await nc.close()
    }
  } catch (err) {
    left.push(`JetStream streams ${streamsOf(fresh.prefix).join(', ')}: ${err}`)
  }
  return left
}

/** The baseline's rows: book-sized, read one at a time by primary key. */
export async function createBaselineTable(url: string, rows: number): Promise<void> {
  await admin(async (c) => {
    await c.query(`
      CREATE TABLE ${BASELINE_TABLE} (
        id integer PRIMARY KEY, title text NOT NULL, author text NOT NULL,
        description text NOT NULL, copies integer NOT NULL)`)
    await c.query(
      `INSERT INTO ${BASELINE_TABLE}
       SELECT i, 'Baseline volume ' || i, 'Author ' || (i % 97),
              'A book the baseline reads by primary key.', 1 + i % 50
       FROM generate_series(1, $1) AS i`,
      [rows],
    )
    await c.query(`ANALYZE ${BASELINE_TABLE}`)
  }, url)
}

export interface Machine {
  cpus: number
  cpuModel: string
  memoryMb: number
  node: string
  postgres: string
  nats: string
  platform: string
  /** 1-minute load average when the run started and ended: other work on the machine skews it */
  loadAverage: { start: number; end?: number }
}

export async function describeMachine(url: string): Promise<Machine> {
  const postgres = await admin(
    async (c) => (await c.query('SELECT version()')).rows[0].version,
    url,
  )
  const nc = await connect({ servers: NATS_URL, timeout: 5_000 })
  const nats = nc.info?.version ?? 'unknown'
  await nc.close()
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryMb: Math.round(totalmem() / 2 ** 20),
    node: process.version,
    postgres,
    nats: `nats-server ${nats}`,
    platform: `${process.platform} ${process.arch}`,
    loadAverage: { start: loadavg()[0]! },
  }
}

const PACKAGES = [
  'fastify',
  'pg',
  'kysely',
  '@nats-io/jetstream',
  '@nats-io/transport-node',
  'typebox',
  'autocannon',
  'pg-cursor',
  'tsx',
]

/** The service's own version and those of the packages on the measured paths. */
export function packageVersions(): Record<string, string> {
  const version = (dir: string) =>
    (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version
  const out: Record<string, string> = { 'rental-ledger': version(ROOT) }
  for (const p of PACKAGES) {
    try {
      out[p] = version(join(ROOT, 'node_modules', p))
    } catch {
      out[p] = 'not installed'
    }
  }
  return out
}
