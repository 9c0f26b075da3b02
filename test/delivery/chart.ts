// The chart as test/delivery renders it: a copy without the NATS dependency (which needs the
// network), `helm template` of it with ci/offline-values.yaml, and ways to read the manifests.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Test } from 'tap'
import { parseAllDocuments, parseDocument } from 'yaml'
import { helmBinary, root, run } from './tools.js'

export interface Container {
  name: string
  args?: string[]
  env?: {
    name: string
    value?: string
    valueFrom?: { secretKeyRef?: { name: string; key: string } }
  }[]
  ports?: { name: string; containerPort: number }[]
  lifecycle?: { preStop?: { exec?: { command: string[] } } }
  livenessProbe?: { httpGet?: { path: string; port: string } }
  readinessProbe?: { httpGet?: { path: string; port: string } }
  securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean }
  volumeMounts?: { name: string; mountPath: string }[]
}
export interface PodSpec {
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number }
  containers: Container[]
  volumes?: { name: string; emptyDir?: object }[]
  restartPolicy?: string
  terminationGracePeriodSeconds?: number
}
export interface Manifest {
  apiVersion: string
  kind: string
  metadata: {
    name: string
    labels?: Record<string, string>
    annotations?: Record<string, string>
  }
  // biome-ignore lint/suspicious/noExplicitAny: each kind has its own spec; the tests read a few paths
  spec?: any
  stringData?: Record<string, string>
}

export const chartDir = join(root, 'helm/rental-ledger')
export const offlineValues = join(chartDir, 'ci/offline-values.yaml')
export const helm = helmBinary()

/** A copy of the chart without its dependency, removed when the test ends. */
export function offlineChart(t: Test): string {
  const workDir = mkdtempSync(join(tmpdir(), 'rental-ledger-chart-'))
  t.teardown(() => rmSync(workDir, { recursive: true, force: true }))
  const dir = join(workDir, 'rental-ledger')
  cpSync(chartDir, dir, { recursive: true })
  const chartYaml = parseDocument(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8'))
  chartYaml.delete('dependencies')
  writeFileSync(join(dir, 'Chart.yaml'), chartYaml.toString())
  return dir
}

/** `helm template` of the offline copy with the offline values and `args`. */
export function renderer(t: Test) {
  const dir = offlineChart(t)
  return (args: string[], release = 'rl'): Manifest[] => {
    const out = run(helm, ['template', release, dir, '-n', 'ledger', '-f', offlineValues, ...args])
    return parseAllDocuments(out)
      .map((d) => d.toJS() as Manifest | null)
      .filter((m): m is Manifest => m !== null)
  }
}

export const byKind = (docs: Manifest[], kind: string, suffix = '') =>
  docs.filter((d) => d.kind === kind && d.metadata.name.endsWith(suffix))
export const one = (docs: Manifest[], kind: string, suffix = ''): Manifest => {
  const found = byKind(docs, kind, suffix)
  if (found.length !== 1) throw new Error(`expected one ${kind} *${suffix}, found ${found.length}`)
  return found[0]!
}
export const podSpec = (m: Manifest): PodSpec => m.spec.template.spec
export const workloads = (docs: Manifest[]) => [
  ...byKind(docs, 'Deployment'),
  ...byKind(docs, 'Job'),
]

/** A container's environment, with secretKeyRefs read from the Secret the chart rendered. */
export function resolvedEnv(docs: Manifest[], c: Container): Record<string, string> {
  const env: Record<string, string> = {}
  for (const e of c.env ?? []) {
    const ref = e.valueFrom?.secretKeyRef
    const value = ref ? one(docs, 'Secret', ref.name).stringData?.[ref.key] : e.value
    if (value === undefined) throw new Error(`${c.name}: ${e.name} has no value`)
    env[e.name] = value
  }
  return env
}
