// W5: the audit export as the operator runs it (`rental-ledger export --out FILE`, a process of its
// own, so its peak RSS is its own), against PostgreSQL's `COPY (SELECT ...) TO STDOUT` of the same
// rows through psql, as a DBA would run it. Both write to a file in the temp directory;
// both are timed from spawn to exit, so the export's figure includes its start-up (about a second).
import { execFileSync } from 'node:child_process'
import { readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { extendChain } from '../../src/audit/chain-writer.js'
import type { Bench } from '../context.js'
import { BIN, type Child, finish, spawnChild } from '../processes.js'
import { row, spread } from '../report.js'
import { logSize } from './replay.js'

/** The highest VmHWM seen while the child runs, in MiB (sampled every 20 ms; the mark only rises). */
function watchPeakRss(child: Child): () => number {
  let peakKb = 0
  const timer = setInterval(() => {
    try {
      const status = readFileSync(`/proc/${child.process.pid}/status`, 'utf8')
      const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0)
      if (kb > peakKb) peakKb = kb
    } catch {
      // gone, or not Linux: the last reading stands
    }
  }, 20)
  void child.exited.then(() => clearInterval(timer))
  return () => peakKb / 1024
}

function lines(file: string): number {
  return Number(execFileSync('wc', ['-l', file], { encoding: 'utf8' }).trim().split(/\s+/)[0])
}

interface Timed {
  seconds: number
  peakMb: number
}

async function timed(bench: Bench, child: Child, file: string, expected: number): Promise<Timed> {
  const peak = watchPeakRss(child)
  const t0 = performance.now()
  try {
    await finish(child, 15 * 60_000)
    const seconds = (performance.now() - t0) / 1000
    const written = lines(file)
    if (written !== expected) {
      bench.problems.push(`W5 ${child.name}: wrote ${written} lines for ${expected} events`)
    }
    return { seconds, peakMb: peak() }
  } finally {
    rmSync(file, { force: true })
    rmSync(`${file}.partial`, { force: true })
  }
}

const COPY_SQL = `COPY (
  SELECT transaction_id, global_position, event_id, stream_id, stream_version, type, data,
         metadata, recorded_at
  FROM events WHERE transaction_id < pg_snapshot_xmin(pg_current_snapshot())
  ORDER BY transaction_id, global_position) TO STDOUT`

function hasPsql(): boolean {
  try {
    execFileSync('psql', ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

export async function w5Export(bench: Bench): Promise<void> {
  const size = await logSize(bench)
  // The export carries each event's chain link, and the log topped up for W4/W5 was written with
  // no chain writer running (in production the projector process follows the log with it): chain
  // it first, outside the timing, so the export covers every event.
  const t0 = performance.now()
  await extendChain(bench.database.db, 5000)
  const chainSeconds = (performance.now() - t0) / 1000
  bench.notes.push(
    `W5: the chain was brought up to the log head before the export (${chainSeconds.toFixed(1)} s, not timed in W5).`,
  )
  // Without psql there is no COPY to compare with here (pg cannot COPY OUT without
  // pg-copy-streams): the export is still measured, and the missing baseline said.
  const psqlHere = hasPsql()
  if (!psqlHere) bench.notes.push('W5 has no baseline in this run: psql is not on PATH.')
  const exports: Timed[] = []
  const copies: Timed[] = []
  for (let r = 0; r < bench.opts.exportReps; r++) {
    const out = join(tmpdir(), `rl-bench-export-${process.pid}-${r}.ndjson`)
    const exporter = spawnChild(
      'rental-ledger export',
      process.execPath,
      [BIN, 'export', '--out', out],
      bench.serviceEnv,
    )
    exports.push(await timed(bench, exporter, out, size))
    if (!psqlHere) continue
    const copyOut = join(tmpdir(), `rl-bench-copy-${process.pid}-${r}.txt`)
    // psql writes COPY ... TO STDOUT to its -o file.
    const psql = spawnChild(
      'psql COPY',
      'psql',
      ['-X', '-q', '-d', bench.fresh.url, '-o', copyOut, '-c', COPY_SQL],
      {},
    )
    copies.push(await timed(bench, psql, copyOut, size))
  }
  const n = size.toLocaleString('en-US')
  const w = 'W5 export'
  const against = (what: string, f: (t: Timed) => number) =>
    copies.length ? { baseline: { what, value: spread(copies.map(f)) } } : {}
  bench.rows.push(
    row({
      workload: w,
      figure: `NDJSON events/s, ${n} events, export --out (process start included)`,
      unit: '/s',
      better: 'higher',
      value: spread(exports.map((t) => size / t.seconds)),
      ...against('psql COPY (SELECT …) TO STDOUT', (t) => size / t.seconds),
    }),
    row({
      workload: w,
      figure: 'peak RSS of the exporting process',
      unit: 'MiB',
      better: 'lower',
      value: spread(exports.map((t) => t.peakMb)),
      ...against('psql’s peak RSS', (t) => t.peakMb),
    }),
  )
  bench.extra.W5 = { logEvents: size, exports, copies }
}
