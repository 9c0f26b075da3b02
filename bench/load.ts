// The load generator, run as a process of its own (`node --import tsx bench/load.ts PLAN.json`) so
// that the server's event loop never shares a thread with the client's. It runs the plan's
// autocannon runs one after the other and prints their summaries as one JSON line on stdout.
import { readFileSync } from 'node:fs'
import autocannon from 'autocannon'

export interface LoadRun {
  label: string
  /** http://127.0.0.1:PORT; several: the connections are spread over them */
  url: string | string[]
  connections: number
  durationS: number
  /** a fixed offered rate over all connections (requests/s); closed loop when absent */
  overallRate?: number
  /** 'get': one fixed GET; 'post': one fixed JSON POST (`body`); 'rent-return': rent a random
   * book as a random user, then return it */
  kind: 'get' | 'post' | 'rent-return'
  path?: string
  body?: unknown
  /** bearer tokens: the GET's (first only), or the renters' (one picked at random per rental) */
  tokens?: string[]
  bookIds?: string[]
}

export interface LoadResult {
  label: string
  durationS: number
  /** responses with a 2xx status */
  ok: number
  /** 2xx responses per second: commands/s or requests/s */
  rate: number
  latencyMs: { p50: number; p90: number; p99: number; max: number }
  non2xx: number
  errors: number
  timeouts: number
  statusCodes: Record<string, number>
}

const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!

interface RentalContext {
  token?: string
  rentalId?: string
}

function requestsFor(run: LoadRun): autocannon.Request[] {
  if (run.kind === 'get') {
    const token = run.tokens?.[0]
    return [
      {
        method: 'GET',
        path: run.path ?? '/',
        ...(token && { headers: { authorization: `Bearer ${token}` } }),
      },
    ]
  }
  if (run.kind === 'post') {
    return [
      {
        method: 'POST',
        path: run.path ?? '/',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(run.body),
      },
    ]
  }
  const tokens = run.tokens ?? []
  const books = run.bookIds ?? []
  if (tokens.length === 0 || books.length === 0) throw new Error(`${run.label}: no users or books`)
  return [
    {
      method: 'POST',
      path: '/api/rentals',
      setupRequest: (req, context) => {
        const c = context as RentalContext
        c.token = pick(tokens)
        return {
          ...req,
          headers: { authorization: `Bearer ${c.token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ bookId: pick(books) }),
        }
      },
      onResponse: (status, body, context) => {
        if (status === 201) (context as RentalContext).rentalId = JSON.parse(body).id
      },
    },
    {
      method: 'POST',
      // No rental to return (the rent failed, and was counted): start the pair again.
      setupRequest: (req, context) => {
        const c = context as RentalContext
        if (!c.rentalId) return undefined as unknown as autocannon.Request
        return {
          ...req,
          path: `/api/rentals/${c.rentalId}/return`,
          headers: { authorization: `Bearer ${c.token}` },
          body: undefined,
        }
      },
    },
  ]
}

function runOne(run: LoadRun): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        // autocannon spreads the connections over several urls; its types know of one.
        url: run.url as string,
        connections: run.connections,
        duration: run.durationS,
        ...(run.overallRate && { overallRate: run.overallRate }),
        requests: requestsFor(run),
        timeout: 10,
      },
      (err, r) => {
        if (err) return reject(err)
        const codes: Record<string, number> = {}
        for (const [code, s] of Object.entries(r.statusCodeStats ?? {})) codes[code] = s.count ?? 0
        const ok = r['2xx']
        resolve({
          label: run.label,
          durationS: r.duration,
          ok,
          rate: ok / r.duration,
          latencyMs: {
            p50: r.latency.p50,
            p90: r.latency.p90,
            p99: r.latency.p99,
            max: r.latency.max,
          },
          non2xx: r.non2xx,
          errors: r.errors,
          timeouts: r.timeouts,
          statusCodes: codes,
        })
      },
    )
  })
}

const planFile = process.argv[2]
if (!planFile) {
  process.stderr.write('usage: load.ts PLAN.json\n')
  process.exit(2)
}
const plan = JSON.parse(readFileSync(planFile, 'utf8')) as LoadRun[]
const results: LoadResult[] = []
for (const run of plan) results.push(await runOne(run))
process.stdout.write(`${JSON.stringify(results)}\n`)
