// The fan-out under faults (issue: NATS fan-out). A mixed workload of 10,000 commands from 16
// clients runs in four phases against real PostgreSQL and a private NATS server, with the relay
// and the projection workers as separate processes. Each phase injects one fault; after each, the
// NATS-fed read models must equal a rebuild from the log, and at the end the audit export must
// hold every event exactly once, in log order.
import { existsSync } from 'node:fs'
import { sql } from 'kysely'
import t, { type Test } from 'tap'
import { PROJECTIONS } from '../../projections/index.js'
import { exportChunks } from '../../src/audit/export.js'
import { loadConfig } from '../../src/config.js'
import { comparePositions, START } from '../../src/eventstore/position.js'
import { headPosition, readLogFrom } from '../../src/eventstore/reader.js'
import { readCheckpoint } from '../../src/projector/apply-batch.js'
import { verifyProjections } from '../../src/projector/verify.js'
import { commandDeps, prepareDatabase } from '../../src/service.js'
import { createPostgresDatabase, openTestDatabase } from '../helpers/db.js'
import { freshPrefix } from '../helpers/nats.js'
import { type Child, NATS_SERVER, privateNats, spawnCli, waitFor } from '../helpers/processes.js'
import { populate, runWorkload } from '../helpers/workload.js'

const COMMANDS_PER_PHASE = 2500
// Four phases of real processes on two cores: more than the suite's default per-file timeout.
t.setTimeout(900_000)

const skip =
  !existsSync(NATS_SERVER) && process.env.CI !== 'true'
    ? `no ${NATS_SERVER} on this machine`
    : false

t.test('faults during a mixed workload', { skip, timeout: 600_000 }, async (root) => {
  const t = root
  const url = await createPostgresDatabase(t)
  const database = await openTestDatabase(t, 'postgres', url)
  const nats = await privateNats(t)
  const prefix = freshPrefix()
  const env = {
    DATABASE_URL: url,
    NATS_URL: nats.url,
    NATS_PREFIX: prefix,
    NATS_ACK_WAIT_MS: '2000',
    LOG_LEVEL: 'warn',
    // The workload is about throughput under faults, not about the owing limit.
    MAX_OWED_CENTS: '100000000',
    JWT_SECRET: 'fault-test-secret-long-enough-for-signing',
  }
  const config = loadConfig(env)
  await prepareDatabase(config, database)
  const deps = commandDeps(config, database)
  const pop = await populate(deps, 64, 40)
  const db = database.db
  const report: string[] = []

  let relay = spawnCli(t, ['relay'], env)
  let worker = spawnCli(t, ['project'], env)

  /** Waits for both read models to reach the log's head, then compares them with a rebuild. */
  const converge = async (t: Test, phase: string, since: number) => {
    const ms = await waitFor(
      `${phase}: read models at the log's head`,
      async () => {
        const head = (await headPosition(db)) ?? START
        for (const p of PROJECTIONS) {
          if (comparePositions(await readCheckpoint(db, p.schema), head) < 0) return false
        }
        return true
      },
      90_000,
    )
    const result = await verifyProjections(db, PROJECTIONS, { lagDeadlineMs: 10_000 })
    t.ok(result.ok, `${phase}: NATS-fed read models equal a rebuild from the log`)
    if (!result.ok) t.comment(JSON.stringify(result.projections, null, 1).slice(0, 4000))
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM events`.execute(db)
    report.push(
      `${phase}: ${rows[0]!.n} events in the log; converged ${Date.now() - since} ms after the workload (waited ${ms} ms)`,
    )
  }

  const phase = async (
    t: Test,
    name: string,
    fault: { at: number; act: () => Promise<void> }[],
  ) => {
    const pending: Promise<void>[] = []
    let next = 0
    const started = Date.now()
    const stats = await runWorkload(deps, pop, COMMANDS_PER_PHASE, 16, (done) => {
      while (next < fault.length && done >= fault[next]!.at) pending.push(fault[next++]!.act())
    })
    await Promise.all(pending)
    report.push(
      `${name}: ${stats.attempted} commands in ${Date.now() - started} ms (${stats.appended} appended, ${stats.refused} refused ${JSON.stringify(stats.refusedBy)}, ${stats.slow} slow transactions)`,
    )
    t.equal(stats.attempted, COMMANDS_PER_PHASE, `${name}: every command was attempted`)
    t.ok(stats.appended > COMMANDS_PER_PHASE / 2, `${name}: most commands appended events`)
    await converge(t, name, Date.now())
  }

  await t.test('the relay is killed mid-workload and restarted', (t) =>
    phase(t, 'relay killed', [
      { at: 800, act: async () => void (await relay.kill('SIGKILL')) },
      {
        at: 1600,
        act: async () => {
          relay = spawnCli(root, ['relay'], env)
        },
      },
    ]),
  )

  let second: Child | undefined
  await t.test('two relays run at once', (t) =>
    phase(t, 'two relays', [
      {
        at: 200,
        act: async () => {
          second = spawnCli(root, ['relay'], env)
        },
      },
      { at: 1800, act: async () => void (await relay.kill('SIGKILL')) },
    ]),
  )
  relay = second!
  t.equal(relay.process.exitCode, null, 'the standby relay is still running')
  if (relay.process.exitCode !== null) t.comment(relay.output())

  await t.test('a worker is killed between commit and ack', async (t) => {
    await worker.kill('SIGTERM')
    const faulty = spawnCli(root, ['project'], { ...env, FAULT_EXIT_AFTER_COMMITS: '3' })
    await phase(t, 'worker killed after commit', [
      {
        at: 1200,
        act: async () => {
          t.equal(await faulty.exited, 86, 'the faulty worker exited right after a commit, unacked')
          worker = spawnCli(root, ['project'], env)
        },
      },
    ])
  })

  await t.test('the NATS server stops for a few seconds and comes back', (t) =>
    phase(t, 'NATS restarted', [
      { at: 500, act: () => nats.stop() },
      { at: 1500, act: () => nats.start() },
    ]),
  )

  await t.test('the export holds every event exactly once, in log order', async (t) => {
    const fromLog: string[] = []
    for await (const page of readLogFrom(db, START, 5000)) {
      fromLog.push(...page.map((e) => `${e.streamId}#${e.streamVersion}`))
    }
    const exported: string[] = []
    const positions: string[] = []
    for await (const chunk of exportChunks(database, {
      format: 'ndjson',
      after: START,
      filter: {},
    })) {
      for (const line of chunk.split('\n').filter(Boolean)) {
        const record = JSON.parse(line)
        exported.push(`${record.streamId}#${record.version}`)
        positions.push(record.position)
      }
    }
    t.same(exported, fromLog, 'every event once, in log order')
    t.same([...positions].sort(), positions, 'positions ascend')
    t.equal(new Set(exported).size, exported.length, 'no record twice')
    t.ok(fromLog.length >= COMMANDS_PER_PHASE * 2, `${fromLog.length} events in all`)
  })

  await relay.kill('SIGTERM')
  await worker.kill('SIGTERM')
  t.comment(report.join('\n'))
})
