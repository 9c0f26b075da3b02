// The workloads driven over HTTP by the load generator (a process of its own): W1 rent + return,
// W2a book list, W2b balance, W6 stream length. Each repetition of a workload is interleaved with
// one of its baseline, so that drift on a shared machine falls on both alike.
import { rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Bench } from '../context.js'
import type { LoadResult, LoadRun } from '../load.js'
import { finish, spawnTs } from '../processes.js'
import { type Row, row, spread } from '../report.js'

/** The baseline's request: one row, by primary key. */
export const BASELINE_PATH = '/row/4242'

/** Runs `runs` in one load-generator process; fails on transport errors, 5xx, or over 1% non-2xx. */
export async function runLoad(bench: Bench, runs: LoadRun[]): Promise<LoadResult[]> {
  const file = join(tmpdir(), `rl-bench-plan-${process.pid}-${Date.now()}.json`)
  writeFileSync(file, JSON.stringify(runs))
  const seconds = runs.reduce((s, r) => s + r.durationS, 0)
  const child = spawnTs('load generator', 'bench/load.ts', [file], {})
  const results = JSON.parse(
    await finish(child, (seconds + 60) * 1000).finally(() => rmSync(file, { force: true })),
  ) as LoadResult[]
  for (const r of results) {
    const fivexx = Object.entries(r.statusCodes)
      .filter(([code]) => code.startsWith('5'))
      .reduce((n, [, c]) => n + c, 0)
    const failedShare = r.non2xx / Math.max(1, r.ok + r.non2xx)
    if (r.errors > 0 || fivexx > 0 || failedShare > 0.01) {
      bench.problems.push(
        `${r.label}: ${r.errors} transport errors, ${r.timeouts} timeouts, status codes ${JSON.stringify(r.statusCodes)}`,
      )
    }
  }
  return results
}

type Target = Omit<LoadRun, 'durationS'>

/** Warm-ups first (discarded), then `reps` rounds of every target in turn; results by label. */
export async function measure(
  bench: Bench,
  targets: Target[],
): Promise<Record<string, LoadResult[]>> {
  const { reps, durationS, warmupS } = bench.opts
  const warmups: LoadRun[] = warmupS
    ? targets.map((t) => ({ ...t, label: `warmup ${t.label}`, durationS: warmupS }))
    : []
  const runs = [...warmups]
  for (let r = 0; r < reps; r++) for (const t of targets) runs.push({ ...t, durationS })
  const results = await runLoad(bench, runs)
  const byLabel: Record<string, LoadResult[]> = {}
  for (const res of results.slice(warmups.length)) {
    byLabel[res.label] = [...(byLabel[res.label] ?? []), res]
  }
  return byLabel
}

const rate = (rs: LoadResult[]) => spread(rs.map((r) => r.rate))
const p50 = (rs: LoadResult[]) => spread(rs.map((r) => r.latencyMs.p50))
const p99 = (rs: LoadResult[]) => spread(rs.map((r) => r.latencyMs.p99))

function baselineGet(bench: Bench, connections: number): Target {
  return {
    label: `baseline ${connections}`,
    url: bench.baseline().url,
    connections,
    kind: 'get',
    path: BASELINE_PATH,
  }
}

function rentReturn(bench: Bench, label: string, connections: number, bookIds: string[]): Target {
  return {
    label,
    url: bench.service().url,
    connections,
    kind: 'rent-return',
    tokens: bench.population.userTokens,
    bookIds,
  }
}

interface Comparison {
  workload: string
  /** 'commands/s' or 'requests/s' */
  measure: string
  /** what sets this measurement apart: '16 connections', '10 past rentals, 16 connections' */
  context: string
  measured: LoadResult[]
  base: LoadResult[]
  latencies: ('p50' | 'p99')[]
}

/** Throughput and latency rows of a workload against the bare route at the same connections. */
function againstBaseline(c: Comparison): Row[] {
  const conns = c.base[0]!.label.replace('baseline ', '')
  const baseWhat = `bare route, ${conns} conn.,`
  const rows = [
    row({
      workload: c.workload,
      figure: `${c.measure}, ${c.context}`,
      unit: '/s',
      better: 'higher',
      value: rate(c.measured),
      baseline: { what: `${baseWhat} req/s`, value: rate(c.base) },
    }),
  ]
  for (const l of c.latencies) {
    const pick = l === 'p50' ? p50 : p99
    rows.push(
      row({
        workload: c.workload,
        figure: `${l} latency, ${c.context}`,
        unit: 'ms',
        better: 'lower',
        value: pick(c.measured),
        baseline: { what: `${baseWhat} ${l}`, value: pick(c.base) },
      }),
    )
  }
  return rows
}

/** Baselines (d) one durable INSERT of an event-sized row per request and (e) the same INSERTs
 * grouped by the app, at most two flushes in flight (bench/baseline-server.ts). */
function baselineWrite(bench: Bench, connections: number, grouped: boolean): Target {
  return {
    label: `${grouped ? 'grouped' : 'insert'} ${connections}`,
    url: bench.baseline().url,
    connections,
    kind: 'post',
    path: grouped ? '/write-grouped' : '/write',
    body: {
      streamId: 'book-7d0f1f63-3f44-4a54-9a46-1c7c2b4a4f31',
      data: {
        rentalId: 'a3c5f0a2-55a4-4c1e-9a7f-4a8f0f7d2b11',
        bookId: '7d0f1f63-3f44-4a54-9a46-1c7c2b4a4f31',
        userId: 'c0b9d7f3-0b36-4d8e-a6a4-0e4f0f5b8c22',
        plan: 'v3',
        rentedAt: '2026-12-01T09:00:00.000Z',
      },
    },
  }
}

const W1 = 'W1 rent + return'

/** W1's rows against the write baselines: throughput against (d) and (e), p99 against (e). */
function againstWrites(
  context: string,
  measured: LoadResult[],
  insert: LoadResult[] | undefined,
  grouped: LoadResult[],
): Row[] {
  const rows = [
    row({
      workload: W1,
      figure: `commands/s, ${context}`,
      unit: '/s',
      better: 'higher',
      value: rate(measured),
      baseline: { what: '(e) grouped INSERTs, req/s', value: rate(grouped) },
    }),
    row({
      workload: W1,
      figure: `p99 latency, ${context}`,
      unit: 'ms',
      better: 'lower',
      value: p99(measured),
      baseline: { what: '(e) grouped INSERTs, p99', value: p99(grouped) },
    }),
  ]
  if (insert) {
    rows.push(
      row({
        workload: W1,
        figure: `commands/s, ${context}`,
        unit: '/s',
        better: 'higher',
        value: rate(measured),
        baseline: { what: '(d) one INSERT a request, req/s', value: rate(insert) },
      }),
    )
  }
  return rows
}

/**
 * W1 in the production topology (API with WORKERS=off, relay and projector in processes of their
 * own) at 16 and 64 connections against the three baselines; then at 64 connections with two API
 * processes sharing the load, and with the all-in-one `serve` (workers in the API process).
 */
export async function w1RentReturn(bench: Bench): Promise<void> {
  const levels = [16, 64]
  const books = bench.population.bookIds
  const targets = levels.flatMap((c) => [
    rentReturn(bench, `rent-return ${c}`, c, books),
    baselineGet(bench, c),
    baselineWrite(bench, c, false),
    baselineWrite(bench, c, true),
  ])
  const res = await measure(bench, targets)
  for (const c of levels) {
    const measured = res[`rent-return ${c}`]!
    bench.rows.push(
      ...againstBaseline({
        workload: W1,
        measure: 'commands/s',
        context: `${c} connections`,
        measured,
        base: res[`baseline ${c}`]!,
        latencies: ['p50', 'p99'],
      }),
      ...againstWrites(`${c} connections`, measured, res[`insert ${c}`], res[`grouped ${c}`]!),
    )
  }

  const second = await bench.startApi()
  try {
    const two = await measure(bench, [
      { ...rentReturn(bench, 'two APIs', 64, books), url: [bench.service().url, second.url] },
      baselineWrite(bench, 64, true),
    ])
    bench.rows.push(
      ...againstWrites(
        '64 connections, two API processes',
        two['two APIs']!,
        undefined,
        two['grouped 64']!,
      ),
    )
  } finally {
    await second.child.stop()
  }

  await bench.topology('all-in-one')
  try {
    const aio = await measure(bench, [
      rentReturn(bench, 'all-in-one', 64, books),
      baselineWrite(bench, 64, true),
    ])
    bench.rows.push(
      ...againstWrites(
        '64 connections, all-in-one serve',
        aio['all-in-one']!,
        undefined,
        aio['grouped 64']!,
      ),
    )
  } finally {
    await bench.topology('production')
  }
}

export async function w2aBookList(bench: Bench): Promise<void> {
  const c = 16
  const url = bench.service().url
  const res = await measure(bench, [
    { label: 'books', url, connections: c, kind: 'get', path: '/api/books?limit=50' },
    baselineGet(bench, c),
  ])
  bench.rows.push(
    ...againstBaseline({
      workload: 'W2a GET /api/books?limit=50',
      measure: 'requests/s',
      context: `${c} connections`,
      measured: res.books!,
      base: res[`baseline ${c}`]!,
      latencies: ['p99'],
    }),
  )
}

export async function w2bBalance(bench: Bench): Promise<void> {
  const c = 16
  const { lightToken, heavyToken } = bench.population
  const { lightRentals, heavyRentals } = bench.opts
  const get = (label: string, token: string): Target => ({
    label,
    url: bench.service().url,
    connections: c,
    kind: 'get',
    path: '/api/me/balance',
    tokens: [token],
  })
  const res = await measure(bench, [
    get('light', lightToken),
    get('heavy', heavyToken),
    baselineGet(bench, c),
  ])
  const workload = 'W2b GET /api/me/balance'
  const n = (x: number) => x.toLocaleString('en-US')
  for (const [kind, rentals] of [
    ['light', lightRentals],
    ['heavy', heavyRentals],
  ] as const) {
    bench.rows.push(
      ...againstBaseline({
        workload,
        measure: 'requests/s',
        context: `${n(rentals)} past rentals, ${c} connections`,
        measured: res[kind]!,
        base: res[`baseline ${c}`]!,
        latencies: ['p99'],
      }),
    )
  }
  bench.rows.push(
    row({
      workload,
      figure: `requests/s with ${n(heavyRentals)} past rentals / with ${n(lightRentals)}`,
      unit: '×',
      better: 'higher',
      value: spread(res.heavy!.map((h, i) => h.rate / res.light![i]!.rate)),
      baseline: { what: 'cost independent of history', value: spread([1]) },
    }),
  )
}

/**
 * W6: commands on a book whose stream is long, against the same on a new book. One connection:
 * each book is one stream, so more connections would only measure retries of racing appends.
 */
export async function w6StreamLength(bench: Bench): Promise<void> {
  const { longBookId, newBookId } = bench.population
  if (!longBookId || !newBookId) throw new Error('W6 needs its books seeded')
  const res = await measure(bench, [
    rentReturn(bench, 'long', 1, [longBookId]),
    rentReturn(bench, 'new', 1, [newBookId]),
  ])
  const n = bench.opts.longStreamEvents.toLocaleString('en-US')
  const w = 'W6 stream length'
  bench.rows.push(
    row({
      workload: w,
      figure: `commands/s, book stream of ${n} events, 1 connection`,
      unit: '/s',
      better: 'higher',
      value: rate(res.long!),
      baseline: { what: 'same on a new book', value: rate(res.new!) },
    }),
    row({
      workload: w,
      figure: 'p99 latency',
      unit: 'ms',
      better: 'lower',
      value: p99(res.long!),
      baseline: { what: 'same on a new book', value: p99(res.new!) },
    }),
  )
}
