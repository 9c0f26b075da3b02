// W3: how long after a command commits its effect is visible in the balance read model, at a fixed
// offered command rate, through the relay, JetStream and the projection worker. The benchmark
// LISTENs to the projections' commit notifications (what the API's ?minPosition waits on) and
// matches each committed transaction to the first user-balances batch that covers it; JetStream's
// own timestamp of each message splits the lag into its two stages (relay, then projection).
import { DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream'
import { connect } from '@nats-io/transport-node'
import { sql } from 'kysely'
import pg from 'pg'
import { userBalances } from '../../projections/user-balances/apply.js'
import { decodeEvent } from '../../src/bus/message.js'
import { busNames } from '../../src/bus/nats.js'
import {
  comparePositions,
  decodePosition,
  encodePosition,
  type Position,
  START,
} from '../../src/eventstore/position.js'
import { headPosition } from '../../src/eventstore/reader.js'
import { PROGRESS_CHANNEL } from '../../src/projector/apply-batch.js'
import type { Bench } from '../context.js'
import { NATS_URL, streamsOf } from '../environment.js'
import { finish, spawnTs, waitUntil } from '../processes.js'
import { percentile, row, spread } from '../report.js'
import { runLoad } from './http.js'

interface Percentiles {
  p50: number
  p99: number
  max: number
}

const percentiles = (xs: number[]): Percentiles => ({
  p50: percentile(xs, 50),
  p99: percentile(xs, 99),
  max: percentile(xs, 100),
})

interface LagRun extends Percentiles {
  commands: number
  /** commands/s actually achieved against the offered rate */
  achieved: number
  /** commit → stored in JetStream (relay), and stored → visible (worker and projection) */
  stages: { relay: Percentiles; projection: Percentiles }
}

async function lastSequence(stream: string): Promise<number> {
  const nc = await connect({ servers: NATS_URL })
  try {
    return (await (await jetstreamManager(nc)).streams.info(stream)).state.last_seq
  } finally {
    await nc.close()
  }
}

/** When JetStream stored each message of sequences (after, upTo], by position token. */
async function storedAt(stream: string, after: number, upTo: number): Promise<Map<string, number>> {
  const out = new Map<string, number>()
  if (upTo <= after) return out
  const nc = await connect({ servers: NATS_URL })
  try {
    const consumer = await jetstream(nc).consumers.get(stream, {
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: after + 1,
    })
    const messages = await consumer.consume()
    const timer = setTimeout(() => messages.stop(), 30_000)
    for await (const m of messages) {
      out.set(decodeEvent(m.data).token, Number(m.timestampNanos / 1_000_000n))
      if (m.seq >= upTo) break
    }
    clearTimeout(timer)
  } finally {
    await nc.close()
  }
  return out
}

async function serviceLag(bench: Bench, lagRate: number): Promise<LagRun> {
  const db = bench.database.db
  const { lagSeconds, quick } = bench.opts
  const stream = busNames(bench.fresh.prefix).stream
  const start = (await headPosition(db)) ?? START
  const firstSeq = await lastSequence(stream)
  const seen: { at: number; position: Position }[] = []
  const client = new pg.Client({ connectionString: bench.fresh.url })
  await client.connect()
  client.on('notification', (n) => {
    const [name, token] = (n.payload ?? '').split(' ')
    if (n.channel === PROGRESS_CHANNEL && name === userBalances.name && token) {
      seen.push({ at: Date.now(), position: decodePosition(token) })
    }
  })
  let achieved = 0
  let head = start
  try {
    await client.query(`LISTEN ${pg.escapeIdentifier(PROGRESS_CHANNEL)}`)
    const [load] = await runLoad(bench, [
      {
        label: 'lag',
        url: bench.service().url,
        connections: quick ? 16 : 64,
        durationS: lagSeconds,
        overallRate: lagRate,
        kind: 'rent-return',
        tokens: bench.population.userTokens,
        bookIds: bench.population.bookIds,
      },
    ])
    achieved = load!.rate
    head = (await headPosition(db)) ?? START
    if (comparePositions(head, start) > 0) {
      await waitUntil(
        'the balance read model to apply the last command',
        async () => seen.length > 0 && comparePositions(seen.at(-1)!.position, head) >= 0,
        120_000,
      )
    }
  } finally {
    await client.end()
  }
  const stored = await storedAt(stream, firstSeq, await lastSequence(stream))
  // recorded_at is now() of the command's transaction: its start, a few ms before its commit.
  // Requests still in flight when the load stopped commit after `head`: they are left out.
  const { rows } = await sql<{ tx: string; gp: number; at: number }>`
    SELECT transaction_id::text AS tx, max(global_position) AS gp,
           (extract(epoch FROM min(recorded_at)) * 1000)::float8 AS at
    FROM events
    WHERE (transaction_id, global_position) > (${start.transactionId.toString()}::xid8, ${start.globalPosition})
      AND (transaction_id, global_position) <= (${head.transactionId.toString()}::xid8, ${head.globalPosition})
    GROUP BY transaction_id ORDER BY transaction_id`.execute(db)
  const lags: number[] = []
  const relay: number[] = []
  const projection: number[] = []
  let i = 0
  for (const r of rows) {
    const position = { transactionId: BigInt(r.tx), globalPosition: r.gp }
    while (i < seen.length && comparePositions(seen[i]!.position, position) < 0) i++
    if (i === seen.length) break
    lags.push(seen[i]!.at - r.at)
    const inStream = stored.get(encodePosition(position))
    if (inStream !== undefined) {
      relay.push(inStream - r.at)
      projection.push(seen[i]!.at - inStream)
    }
  }
  if (lags.length < rows.length) {
    bench.problems.push(`W3: ${rows.length - lags.length} commands never became visible`)
  }
  return {
    ...percentiles(lags),
    commands: rows.length,
    achieved,
    stages: { relay: percentiles(relay), projection: percentiles(projection) },
  }
}

interface RawRun extends Percentiles {
  sent: number
  received: number
}

async function jetstreamLag(bench: Bench, lagRate: number): Promise<RawRun> {
  const { lagSeconds } = bench.opts
  const args = [NATS_URL, streamsOf(bench.fresh.prefix)[1]!, `${bench.fresh.prefix}_raw`]
  const child = spawnTs(
    'JetStream baseline',
    'bench/jetstream-baseline.ts',
    [...args, String(lagRate), String(lagSeconds)],
    {},
  )
  const run = JSON.parse(await finish(child, (lagSeconds + 60) * 1000)) as RawRun
  if (run.received !== run.sent) {
    bench.problems.push(`W3 baseline: ${run.sent - run.received} of ${run.sent} messages lost`)
  }
  return run
}

export async function w3Lag(bench: Bench): Promise<void> {
  const runs: { rate: number; service: LagRun[]; jetstream: RawRun[] }[] = []
  for (const rate of bench.opts.lagRates) {
    const service: LagRun[] = []
    const raw: RawRun[] = []
    for (let r = 0; r < bench.opts.lagReps; r++) {
      service.push(await serviceLag(bench, rate))
      raw.push(await jetstreamLag(bench, rate))
    }
    lagRows(bench, rate, service, raw)
    runs.push({ rate, service, jetstream: raw })
  }
  bench.extra.W3 = runs
}

function lagRows(bench: Bench, rate: number, service: LagRun[], raw: RawRun[]): void {
  const offered = `offered ${rate.toLocaleString('en-US')} commands/s for ${bench.opts.lagSeconds} s`
  const median = (f: (s: LagRun) => number) => Math.round(spread(service.map(f)).median)
  const w = 'W3 lag, commit → balance read model'
  for (const p of ['p50', 'p99'] as const) {
    const note =
      `achieved ${median((s) => s.achieved)} commands/s; of the ${p}, commit → JetStream ` +
      `${median((s) => s.stages.relay[p])} ms, JetStream → read model ${median((s) => s.stages.projection[p])} ms`
    bench.rows.push(
      row({
        workload: w,
        figure: `${p}, ${offered}`,
        unit: 'ms',
        better: 'lower',
        value: spread(service.map((s) => s[p])),
        baseline: { what: `JetStream publish → consume ${p}`, value: spread(raw.map((s) => s[p])) },
        note,
      }),
    )
  }
}
