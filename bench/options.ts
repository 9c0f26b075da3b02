// The two sizes of a run. --quick is a smoke run of the harness (under 2 minutes, never a gate on
// numbers); the full run measures at the sizes the issue names, in under 15 minutes.
import { parseArgs } from 'node:util'

export const WORKLOADS = ['W1', 'W2a', 'W2b', 'W3', 'W4', 'W5', 'W6'] as const
export type WorkloadId = (typeof WORKLOADS)[number]

export interface BenchOptions {
  quick: boolean
  /** workloads to run (all by default) */
  only: readonly WorkloadId[]
  /** restart the service under `node --cpu-prof` for this workload and summarise the profile */
  profile: WorkloadId | undefined
  /** repetitions of every HTTP measurement, interleaved with its baseline's */
  reps: number
  durationS: number
  warmupS: number
  users: number
  books: number
  copies: number
  /** W2b: the long history and the short one */
  heavyRentals: number
  lightRentals: number
  /** W3: the offered command rates, each a row of its own (--lag-rate overrides them), and for how long */
  lagRates: readonly number[]
  lagSeconds: number
  lagReps: number
  /** W6: events already in the long book's stream */
  longStreamEvents: number
  /** W4, W5: events in the log (topped up through the append path) */
  logEvents: number
  /** W4: each projection's rebuild is timed for at most this long (the rate is what is reported) */
  replayBoxS: number
  replayReps: number
  exportReps: number
  /** the whole run fails after this long */
  deadlineS: number
}

const QUICK: Omit<BenchOptions, 'quick' | 'only' | 'profile'> = {
  reps: 2,
  durationS: 1,
  // A smoke run: no warm-up, so its figures are cold (and not a gate on anything).
  warmupS: 0,
  users: 100,
  books: 100,
  copies: 50,
  heavyRentals: 1_000,
  lightRentals: 10,
  lagRates: [200],
  lagSeconds: 2,
  lagReps: 1,
  longStreamEvents: 5_000,
  logEvents: 20_000,
  replayBoxS: 2,
  replayReps: 1,
  exportReps: 1,
  deadlineS: 300,
}

const FULL: typeof QUICK = {
  reps: 3,
  durationS: 6,
  warmupS: 2,
  users: 1_000,
  books: 2_000,
  copies: 50,
  heavyRentals: 10_000,
  lightRentals: 10,
  lagRates: [1_000, 3_000],
  lagSeconds: 20,
  lagReps: 2,
  longStreamEvents: 100_000,
  logEvents: 1_000_000,
  replayBoxS: 20,
  replayReps: 2,
  exportReps: 2,
  deadlineS: 25 * 60,
}

export function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      profile: { type: 'string' },
      'lag-rate': { type: 'string' },
    },
  })
  const known = (w: string): WorkloadId => {
    if (!(WORKLOADS as readonly string[]).includes(w)) {
      throw new Error(`unknown workload '${w}' (known: ${WORKLOADS.join(', ')})`)
    }
    return w as WorkloadId
  }
  const only = values.only ? values.only.split(',').map((w) => known(w.trim())) : [...WORKLOADS]
  const profile = values.profile === undefined ? undefined : known(values.profile)
  if (profile && ['W4', 'W5'].includes(profile)) {
    throw new Error('--profile profiles the service: W4 and W5 run without it')
  }
  if (profile && !only.includes(profile)) only.push(profile)
  const sizes = values.quick ? QUICK : FULL
  const lagRates =
    values['lag-rate'] === undefined ? sizes.lagRates : values['lag-rate'].split(',').map(Number)
  if (!lagRates.every((r) => Number.isInteger(r) && r > 0)) {
    throw new Error('--lag-rate is commands/s, > 0 (several: comma-separated)')
  }
  return { quick: values.quick, only, profile, ...sizes, lagRates }
}
