// Summarises a V8 CPU profile (`node --cpu-prof`): self time by function, by where the code lives
// (our src/ and projections/, a package, Node's internals, GC), and by owner: the nearest caller
// that is our code or a package's, so that time in a syscall (writev) is charged to whoever made it.
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { ROOT } from './processes.js'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: number[]
}

interface CpuProfile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

export interface SelfTime {
  name: string
  ms: number
  share: number
}

export interface ProfileSummary {
  file: string
  totalMs: number
  idleShare: number
  byFunction: SelfTime[]
  byPlace: SelfTime[]
  byOwner: SelfTime[]
}

/** `src/…`, `projections/…`, `npm:<package>`, a `node:` module, or V8's `(garbage collector)` etc. */
function placeOf(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native)'
  if (url.startsWith('node:')) return url
  const path = url.startsWith('file://') ? new URL(url).pathname : url
  const inModules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)
  if (inModules) return `npm:${inModules[1]}`
  const rel = relative(ROOT, path)
  return rel.startsWith('..') ? path : rel.split('/').slice(0, 2).join('/')
}

function top(map: Map<string, number>, total: number, n: number): SelfTime[] {
  return [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, us]) => ({ name, ms: us / 1000, share: us / total }))
}

/**
 * Self time of the samples taken between `fromMs` and `toMs` after the profile began (the
 * workload, not the process's start-up), top `n` of each kind.
 */
export function summariseProfile(
  file: string,
  window: { fromMs: number; toMs: number },
  n = 20,
): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const selfUs = new Map<number, number>()
  let at = 0
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0
    at += delta
    if (at < window.fromMs * 1000 || at > window.toMs * 1000) return
    selfUs.set(id, (selfUs.get(id) ?? 0) + delta)
  })
  const parent = new Map<number, number>()
  for (const node of profile.nodes) for (const c of node.children ?? []) parent.set(c, node.id)
  const label = (id: number) => {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame
    const place = placeOf(url, functionName || '(anonymous)')
    return `${functionName || '(anonymous)'} ${place}${url ? `:${lineNumber + 1}` : ''}`
  }
  /** The sample's own frame if it is code of ours or a package's, else its nearest such caller. */
  const owner = (id: number): string => {
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const url = byId.get(at)!.callFrame.url
      if (url && !url.startsWith('node:')) return label(at)
    }
    return label(id)
  }
  const functions = new Map<string, number>()
  const places = new Map<string, number>()
  const owners = new Map<string, number>()
  const add = (map: Map<string, number>, key: string, us: number) =>
    map.set(key, (map.get(key) ?? 0) + us)
  let total = 0
  let idle = 0
  for (const [id, us] of selfUs) {
    const { functionName, url } = byId.get(id)!.callFrame
    total += us
    if (functionName === '(idle)') {
      idle += us
      continue
    }
    add(functions, label(id), us)
    add(places, placeOf(url, functionName || '(anonymous)'), us)
    add(owners, owner(id), us)
  }
  const busy = total - idle
  return {
    file,
    totalMs: total / 1000,
    idleShare: total ? idle / total : 0,
    byFunction: top(functions, busy, n),
    byPlace: top(places, busy, n),
    byOwner: top(owners, busy, n),
  }
}

/**
 * The main thread's profile in `dir`: files are named CPU.<date>.<time>.<pid>.<thread>.<seq>, and
 * tsx's module loader runs on a thread of its own that writes one too.
 */
export function mainThreadProfile(dir: string): string {
  const files = readdirSync(dir).filter((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f))
  if (files.length === 0) throw new Error(`no main-thread .cpuprofile in ${dir}`)
  return join(dir, files.sort().at(-1)!)
}

export function formatSummary(s: ProfileSummary): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`
  const lines = [
    `CPU profile ${s.file}: ${Math.round(s.totalMs)} ms sampled, ${pct(s.idleShare)} idle; shares of busy time:`,
    '  by place:',
    ...s.byPlace.map((p) => `    ${pct(p.share).padStart(6)}  ${p.name}`),
    '  by function (self time):',
    ...s.byFunction.map((f) => `    ${pct(f.share).padStart(6)}  ${f.name}`),
    '  by owner (self time charged to the nearest frame of ours or a package):',
    ...s.byOwner.map((f) => `    ${pct(f.share).padStart(6)}  ${f.name}`),
  ]
  return lines.join('\n')
}
