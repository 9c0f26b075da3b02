// Progress of a long job (replay, verify, export to a file): on a terminal one line redrawn in
// place (done/total, events/s, time left); otherwise, as in a container's log, a line every few
// seconds. Hand-written because it is small; `cli-progress` would fit behind the same interface.

export interface Progress {
  /** `n` more events done. */
  tick(n: number): void
  /** The job is over: the last figures, and the terminal line is ended. */
  stop(): void
}

export interface ProgressOptions {
  label: string
  total: number
  /** Where the bar is drawn, when it is a terminal; stderr keeps stdout clean for data. */
  stream?: { isTTY?: boolean; columns?: number; write(s: string): unknown }
  /** Where progress lines go when `stream` is not a terminal. */
  log?: (line: string) => void
  /** How often a line is logged off a terminal. */
  logEveryMs?: number
  now?: () => number
}

const REDRAW_MS = 100

export function progressBar(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr
  const log = options.log ?? ((line: string) => stream.write(`${line}\n`))
  const now = options.now ?? Date.now
  const started = now()
  let total = options.total
  let done = 0
  let shownAt = 0

  const line = () => {
    const seconds = Math.max((now() - started) / 1000, 0.001)
    const rate = done / seconds
    const left = done >= total ? 0 : rate > 0 ? (total - done) / rate : Number.NaN
    const pct = total > 0 ? Math.floor((100 * done) / total) : 100
    return { pct, text: `${done}/${total} events, ${Math.round(rate)}/s, ${duration(left)} left` }
  }

  const draw = (final: boolean) => {
    const { pct, text } = line()
    if (stream.isTTY) {
      const width = Math.max(
        10,
        Math.min(30, (stream.columns ?? 80) - text.length - options.label.length - 12),
      )
      const filled = Math.round((width * pct) / 100)
      const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`
      stream.write(`\r\x1b[2K${options.label} ${bar} ${pct}% ${text}${final ? '\n' : ''}`)
    } else {
      log(`${options.label}: ${pct}% ${text}`)
    }
  }

  return {
    tick(n) {
      done += n
      // Events appended while the job runs: the total grows rather than the bar overflowing.
      if (done > total) total = done
      const t = now()
      if (t - shownAt >= (stream.isTTY ? REDRAW_MS : (options.logEveryMs ?? 5000))) {
        shownAt = t
        draw(false)
      }
    },
    stop() {
      draw(true)
    },
  }
}

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?'
  const s = Math.max(0, Math.round(seconds))
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const mmss = `${String(m).padStart(h ? 2 : 1, '0')}:${String(s % 60).padStart(2, '0')}`
  return h ? `${h}:${mmss}` : mmss
}
