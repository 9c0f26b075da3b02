// `npm run bench [-- --quick --only W1,W2a --profile W1 --lag-rate 1000]`: every workload beside its
// physical limit, measured in one run on a fresh database and NATS prefix, removed at the end.
// Progress goes to stderr; the table to stdout; everything to bench/results/<timestamp>.json.
import { randomBytes } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { jetstreamManager } from '@nats-io/jetstream'
import { connect } from '@nats-io/transport-node'
import { sql } from 'kysely'
import { PROJECTIONS } from '../projections/index.js'
import { busNames } from '../src/bus/nats.js'
import { loadConfig } from '../src/config.js'
import { openPostgres } from '../src/db/database.js'
import { replayProjections } from '../src/projector/replay.js'
import { commandDeps, prepareDatabase } from '../src/service.js'
import type { Bench } from './context.js'
import {
  createBaselineTable,
  createFresh,
  describeMachine,
  type Fresh,
  NATS_URL,
  packageVersions,
  removeFresh,
} from './environment.js'
import { parseOptions, type WorkloadId } from './options.js'
import { seedPopulation, seedStreamLength } from './population.js'
import {
  BIN,
  type Child,
  compileService,
  finish,
  type Server,
  spawnChild,
  startBaseline,
  startService,
  stopAll,
  waitUntil,
} from './processes.js'
import { formatSummary, mainThreadProfile, summariseProfile } from './profile.js'
import { table, writeResults } from './report.js'
import { topUpLog } from './seed.js'
import { w5Export } from './workloads/export.js'
import { w1RentReturn, w2aBookList, w2bBalance, w6StreamLength } from './workloads/http.js'
import { w3Lag } from './workloads/lag.js'
import { logSize, w4Replay } from './workloads/replay.js'

const opts = parseOptions(process.argv.slice(2))
const started = new Date()
const log = (m: string) =>
  process.stderr.write(`[bench ${((Date.now() - started.getTime()) / 1000).toFixed(0)}s] ${m}\n`)

let fresh: Fresh | undefined
let cleaning: Promise<void> | undefined
/** Once, however many callers: the main flow's end, a deadline, a signal. */
function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    await stopAll()
    if (!fresh) return
    for (const left of await removeFresh(fresh)) log(`could not remove ${left}`)
  })()
  return cleaning
}

// A run that hangs or is interrupted still ends everything it started and drops what it made.
const abort = (why: string) => {
  log(why)
  void cleanUp().finally(() => process.exit(1))
}
const deadline = setTimeout(
  () => abort(`deadline of ${opts.deadlineS} s passed`),
  opts.deadlineS * 1000,
)
process.once('SIGINT', () => abort('interrupted'))
process.once('SIGTERM', () => abort('terminated'))

fresh = await createFresh()
const secret = randomBytes(32).toString('hex')
const serviceEnv = {
  DATABASE_URL: fresh.url,
  NATS_URL,
  NATS_PREFIX: fresh.prefix,
  LOG_LEVEL: 'warn',
  JWT_SECRET: secret,
  BCRYPT_COST: '4',
  // The benchmark's users rent thousands of times, and a timed run that stops between a rent and
  // its return leaves that rental open: neither limit is what is measured.
  MAX_OWED_CENTS: '100000000',
  MAX_OPEN_RENTALS: '1000',
}
const config = loadConfig(serviceEnv)
const database = openPostgres(fresh.url, 10)
let service: Server | undefined
let serviceWorkers: 'on' | 'off' = 'on'
let baseline: Server | undefined
const bench: Bench = {
  opts,
  fresh,
  database,
  serviceEnv,
  service: () => service ?? raise('the service is not running'),
  baseline: () => baseline ?? raise('the baseline server is not running'),
  topology,
  startApi: () => startService(serviceEnv, { workers: 'off' }),
  population: { userIds: [], userTokens: [], bookIds: [], lightToken: '', heavyToken: '' },
  rows: [],
  notes: [],
  extra: {},
  problems: [],
  log,
}
function raise(message: string): never {
  throw new Error(message)
}

async function restartService(workers: 'on' | 'off', cpuProfDir?: string): Promise<void> {
  await service?.child.stop()
  service = undefined
  serviceWorkers = workers
  service = await startService(serviceEnv, { workers, cpuProfDir })
}

/** The relay and the projector as processes of their own, while the API runs with WORKERS=off. */
let fanOut: Child[] = []

async function topology(kind: 'production' | 'all-in-one'): Promise<void> {
  if (kind === 'all-in-one') {
    await Promise.all(fanOut.map((c) => c.stop()))
    fanOut = []
    return restartService('on')
  }
  await restartService('off')
  if (fanOut.length > 0) return
  fanOut = ['relay', 'project'].map((role) =>
    spawnChild(`rental-ledger ${role}`, process.execPath, [BIN, role], serviceEnv),
  )
}

/** The relay has published the whole log and no projection worker has anything pending. */
async function waitForBus(): Promise<void> {
  const names = busNames(fresh!.prefix)
  const nc = await connect({ servers: NATS_URL })
  try {
    const jsm = await jetstreamManager(nc)
    const events = await logSize(bench)
    // The projector process also chains the log (src/audit/chain-writer.ts): a workload measured
    // while it still hashes the seeded log would share the cores with that catch-up.
    const chained = async () =>
      (
        await sql<{ n: number }>`SELECT count(*)::int AS n FROM audit_chain`.execute(
          bench.database.db,
        )
      ).rows[0]!.n
    const idle = async () => {
      if ((await jsm.streams.info(names.stream)).state.messages < events) return false
      if ((await chained()) < events) return false
      for (const p of PROJECTIONS) {
        const c = await jsm.consumers.info(names.stream, names.durable(p.name))
        if (c.num_pending > 0 || c.num_ack_pending > 0) return false
      }
      return true
    }
    await waitUntil(
      'the relay, the workers and the audit chain to catch up',
      idle,
      300_000,
      service?.child,
      250,
    )
  } finally {
    await nc.close()
  }
}

const timings: Record<string, number> = {}
const selected = (id: WorkloadId) => opts.only.includes(id)

/** A step of the setup, logged, its duration kept for the results. */
async function step<T>(name: string, fn: () => Promise<T>): Promise<T> {
  log(name)
  const t0 = Date.now()
  const result = await fn()
  timings[name] = (Date.now() - t0) / 1000
  return result
}

async function workload(id: WorkloadId, fn: (b: Bench) => Promise<void>): Promise<void> {
  if (!selected(id)) return
  log(`${id}: measuring`)
  const t0 = Date.now()
  try {
    if (opts.profile !== id) {
      await fn(bench)
    } else {
      const dir = mkdtempSync(join(tmpdir(), 'rl-bench-prof-'))
      const spawned = Date.now()
      await restartService(serviceWorkers, dir)
      const fromMs = Date.now() - spawned
      await fn(bench)
      const toMs = Date.now() - spawned
      await service?.child.stop()
      // The profile starts as the process does: only the workload's window is summarised.
      const summary = summariseProfile(mainThreadProfile(dir), { fromMs, toMs })
      bench.extra.profile = { workload: id, ...summary }
      process.stdout.write(`\n${id} ${formatSummary(summary)}\n`)
      await restartService(serviceWorkers)
    }
  } catch (err) {
    bench.problems.push(`${id} failed: ${(err as Error).stack ?? err}`)
  }
  timings[id] = (Date.now() - t0) / 1000
  log(`${id}: done in ${timings[id]!.toFixed(0)} s`)
}

let exitCode = 0
try {
  log(
    `fresh database ${fresh.database}, NATS prefix ${fresh.prefix}; ${opts.quick ? 'quick' : 'full'} run`,
  )
  await step('compile the service (tsc -p tsconfig.build.json, as the image is built)', async () =>
    compileService(),
  )
  await step('migrate', () =>
    finish(
      spawnChild('rental-ledger migrate', process.execPath, [BIN, 'migrate'], serviceEnv),
      120_000,
    ),
  )
  await prepareDatabase(config, database)
  const machine = await describeMachine(fresh.url)
  await createBaselineTable(fresh.url, 10_000)
  const deps = commandDeps(config, database)

  bench.population = await step('seed users, books and histories', () =>
    seedPopulation(deps, secret, opts),
  )
  await step('rebuild the read models from the seeded log', async () => {
    await replayProjections(database.db, PROJECTIONS)
  })

  const any = (ids: WorkloadId[]) => ids.some(selected)
  if (any(['W1', 'W2a', 'W2b', 'W3'])) {
    await step('start the service (production topology) and the baseline server', () =>
      Promise.all([
        topology('production'),
        any(['W1', 'W2a', 'W2b']) &&
          startBaseline(fresh!.url, config.DB_POOL_MAX).then((b) => {
            baseline = b
          }),
      ]),
    )
    await step('wait for the relay, the workers and the audit chain on the seeded log', waitForBus)
    await workload('W1', w1RentReturn)
    await workload('W2a', w2aBookList)
    await workload('W2b', w2bBalance)
    await workload('W3', w3Lag)
    await Promise.all([
      service?.child.stop(),
      baseline?.child.stop(),
      ...fanOut.map((c) => c.stop()),
    ])
    service = undefined
    baseline = undefined
    fanOut = []
  }

  if (selected('W6')) {
    await step(`seed a book stream of ${opts.longStreamEvents} events`, () =>
      seedStreamLength(deps, bench.population, opts.longStreamEvents),
    )
  }
  if (selected('W4') || selected('W5')) {
    const have = await logSize(bench)
    const { userIds, bookIds } = bench.population
    if (have < opts.logEvents) {
      await step(`top the log up from ${have} to ${opts.logEvents} events`, () =>
        topUpLog(deps, have, opts.logEvents, bookIds, userIds),
      )
    } else log(`the log already holds ${have} events (at least ${opts.logEvents})`)
  }
  if (selected('W6')) {
    // The topped-up log is not projected (W4 measures that), so W6's service runs the command
    // side only; both sides of its ratio run the same way.
    await restartService('off')
    await workload('W6', w6StreamLength)
    await service?.child.stop()
    service = undefined
  }
  await workload('W4', w4Replay)
  await workload('W5', w5Export)

  machine.loadAverage.end = loadavg()[0]!
  bench.notes.push(
    `Load from autocannon ${packageVersions().autocannon} in a separate process on the same machine: client and server share its ${machine.cpus} cores, with PostgreSQL and NATS.`,
    `The service runs as deployed: \`rental-ledger serve\` with WORKERS=off, and \`relay\` and \`project\` as processes of their own (W1 also with two API processes, and with the all-in-one \`serve\`, workers in the API process); DB_POOL_MAX 10, LOG_LEVEL warn; compiled by tsc as the image is (bench/.build), started as a child process; W6 runs it with WORKERS=off.`,
    'The baselines are bare Fastify routes through a pg Pool of 10 (bench/baseline-server.ts), in a process of their own: one row read by primary key; (d) one durable INSERT of an event-sized row per request; (e) the same INSERTs grouped by the app (a flush takes what queued meanwhile, one multi-row INSERT and one commit, at most two in flight).',
    'W3 measures from the command transaction’s recorded_at (now(), its start) to the receipt of the user-balances commit notification covering it.',
    'W5 compares with psql running COPY, as a DBA would; both sides write a file and are timed from spawn to exit.',
    `1-minute load average ${machine.loadAverage.start.toFixed(2)} at the start and ${machine.loadAverage.end.toFixed(2)} at the end (other work on the machine skews figures).`,
  )
  const finished = new Date()
  const file = writeResults({
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    mode: opts.quick ? 'quick' : 'full',
    durationS: (finished.getTime() - started.getTime()) / 1000,
    machine,
    versions: packageVersions(),
    settings: { ...opts, serviceEnv: { ...serviceEnv, JWT_SECRET: '(random)' } },
    notes: bench.notes,
    workloads: bench.rows,
    extra: { ...bench.extra, timings },
    problems: bench.problems,
  })
  const rowNotes = bench.rows
    .filter((r) => r.note)
    .map((r) => `${r.workload}, ${r.figure}: ${r.note}`)
  const notes = [...rowNotes, ...bench.notes].map((n) => `- ${n}`).join('\n')
  process.stdout.write(`\n${table(bench.rows)}\n\n${notes}\n`)
  process.stdout.write(`\nresults: ${file}\n`)
} catch (err) {
  bench.problems.push(`run failed: ${(err as Error).stack ?? err}`)
} finally {
  clearTimeout(deadline)
  await database.close().catch(() => {})
  await cleanUp()
}
if (bench.problems.length > 0) {
  process.stderr.write(
    `\nbench: ${bench.problems.length} problem(s):\n${bench.problems.join('\n')}\n`,
  )
  exitCode = 1
}
log(`finished in ${((Date.now() - started.getTime()) / 1000).toFixed(0)} s`)
process.exit(exitCode)
