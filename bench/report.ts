// Figures, their baselines and ratios: medians over repetitions with min-max, a Markdown table for
// stdout and the README, and the JSON results file.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export interface Spread {
  median: number
  min: number
  max: number
  runs: number[]
}

export function spread(runs: readonly number[]): Spread {
  if (runs.length === 0) throw new Error('no runs to summarise')
  const sorted = [...runs].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, runs: [...runs] }
}

/** The p-th percentile (0-100) of unsorted samples, nearest rank. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN
  const sorted = [...samples].sort((a, b) => a - b)
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!
}

export interface Row {
  workload: string
  figure: string
  unit: string
  better: 'higher' | 'lower'
  value: Spread
  baseline?: { what: string; value: Spread }
  /** value / baseline, medians */
  ratio?: number
  /** how many times worse than the baseline (>= 1 when the baseline is the better one) */
  gap?: number
  note?: string
}

export function row(r: Omit<Row, 'ratio' | 'gap'>): Row {
  if (!r.baseline) return r
  const ratio = r.value.median / r.baseline.value.median
  const gap = r.better === 'higher' ? 1 / ratio : ratio
  return { ...r, ratio, gap }
}

export function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n)
  if (Math.abs(n) >= 100) return Math.round(n).toLocaleString('en-US')
  if (Math.abs(n) >= 10) return n.toFixed(1)
  return n.toPrecision(3)
}

const cell = (s: Spread, unit: string) =>
  s.runs.length > 1
    ? `${fmt(s.median)} ${unit} (${fmt(s.min)}–${fmt(s.max)})`
    : `${fmt(s.median)} ${unit}`

export function table(rows: readonly Row[]): string {
  const lines = [
    '| workload | figure | median (min–max) | baseline | baseline median (min–max) | ratio |',
    '|---|---|---|---|---|---|',
  ]
  for (const r of rows) {
    lines.push(
      `| ${r.workload} | ${r.figure} | ${cell(r.value, r.unit)} | ${r.baseline?.what ?? '—'} | ${
        r.baseline ? cell(r.baseline.value, r.unit) : '—'
      } | ${r.ratio === undefined ? '—' : `${fmt(r.ratio)}×`} |`,
    )
  }
  return lines.join('\n')
}

export interface Results {
  startedAt: string
  finishedAt: string
  command: string
  mode: 'quick' | 'full'
  durationS: number
  machine: unknown
  versions: Record<string, string>
  settings: unknown
  notes: string[]
  workloads: Row[]
  extra: Record<string, unknown>
  problems: string[]
}

/** Writes bench/results/<timestamp>.json; returns its path. */
export function writeResults(results: Results): string {
  const dir = join(import.meta.dirname, 'results')
  mkdirSync(dir, { recursive: true })
  const file = join(dir, `${results.startedAt.replace(/[:.]/g, '-')}.json`)
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`)
  return file
}
