// The chart's hardening, rendered with and without the bundled NATS: the subchart pinned to one
// exact version, NATS authentication (a token from a Secret that both sides read), NetworkPolicies
// (only this release's pods reach NATS; its pods reach DNS, NATS and PostgreSQL only), the
// StorageClass of JetStream's volumes (made by terraform/cluster/), probes and scraping on the
// workers' own health port, and stop timeouts longer than the process's own bound.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { parse, parseAllDocuments } from 'yaml'
import { STOP_TIMEOUT_MS } from '../../src/cli/lifecycle.js'
import { loadConfig } from '../../src/config.js'
import {
  byKind,
  type Container,
  chartDir,
  type Manifest,
  one,
  podSpec,
  renderer,
  resolvedEnv,
  workloads,
} from './chart.js'
import { envProblems, root } from './tools.js'

interface Values {
  natsAuth: { secretName: string }
  workerHealth: { enabled: boolean; env: string; port: number }
  ingress: { className: string }
  // biome-ignore lint/suspicious/noExplicitAny: the NATS chart's values, read at a few paths
  nats: any
}
const values = parse(readFileSync(join(chartDir, 'values.yaml'), 'utf8')) as Values
const render = renderer(t)
const withNats = ['--set', 'nats.enabled=true', '--set', 'nats.url=']
const bundled = render(withNats)
const external = render([])

const container = (docs: Manifest[], suffix: string): Container =>
  podSpec(one(docs, 'Deployment', suffix)).containers[0]!
const envNamed = (c: Container, name: string) => c.env?.find((e) => e.name === name)

t.test('the NATS subchart is pinned to one exact 2.x version', async (t) => {
  const chart = parse(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as {
    dependencies: { name: string; version: string }[]
  }
  const nats = chart.dependencies.find((d) => d.name === 'nats')
  t.match(nats?.version, /^2\.\d+\.\d+$/, 'no range: an upgrade is a reviewed change')
})

t.test('NATS requires a token, which the relay and projector present', async (t) => {
  const { secretName } = values.natsAuth
  t.equal(values.nats.config.merge.authorization.token, '<< $NATS_TOKEN >>')
  t.same(values.nats.container.env.NATS_TOKEN.valueFrom.secretKeyRef, {
    name: secretName,
    key: 'NATS_TOKEN',
  })
  t.equal(values.nats.natsBox.enabled, false, 'no client left without the token')
  for (const docs of [bundled, external]) {
    const secret = one(docs, 'Secret', secretName)
    t.equal(secret.metadata.name, secretName, 'the name the NATS pods read')
    t.ok((secret.stringData?.NATS_TOKEN ?? '').length >= 32, 'a generated token')
    for (const worker of ['-relay', '-projector']) {
      const c = container(docs, worker)
      t.same(envNamed(c, 'NATS_TOKEN')?.valueFrom?.secretKeyRef, {
        name: secretName,
        key: 'NATS_TOKEN',
      })
      t.same(envProblems(resolvedEnv(docs, c)), [], `${worker}: src/config.ts takes NATS_TOKEN`)
    }
    t.notOk(envNamed(container(docs, '-api'), 'NATS_TOKEN'), 'the API does not use NATS')
  }
  const given = render([...withNats, '--set', `natsAuth.token=${'k'.repeat(40)}`])
  t.equal(one(given, 'Secret', secretName).stringData?.NATS_TOKEN, 'k'.repeat(40))
  const existing = render([...withNats, '--set', 'natsAuth.create=false'])
  t.equal(byKind(existing, 'Secret', secretName).length, 0, 'an existing Secret is used as is')
  t.throws(() => render(['--set', 'natsAuth.token=short']), 'a short token is refused')
  t.throws(
    () => render([...withNats, '--set', 'natsAuth.secretName=other']),
    /must read the same token/,
    'the two sides cannot drift apart',
  )
  t.throws(() => render([...withNats, '--set', 'natsAuth.enabled=false']), /requires a token/)
  const off = render(['--set', 'natsAuth.enabled=false'])
  t.notOk(envNamed(container(off, '-relay'), 'NATS_TOKEN'), 'no token for a NATS without auth')
})

t.test("only this release's pods reach the bundled NATS", async (t) => {
  const policy = one(bundled, 'NetworkPolicy', '-nats')
  const selector = policy.spec.podSelector.matchLabels
  t.same(selector, {
    'app.kubernetes.io/name': 'nats',
    'app.kubernetes.io/instance': 'rl',
    'app.kubernetes.io/component': 'nats',
  })
  t.same(policy.spec.policyTypes, ['Ingress'])
  type Rule = {
    from: { podSelector: { matchLabels: Record<string, string> } }[]
    ports: { port: number }[]
  }
  const rules = policy.spec.ingress as Rule[]
  const clientRule = rules.find(
    (r) => r.from[0]?.podSelector.matchLabels['app.kubernetes.io/name'] !== 'nats',
  )
  t.same(
    clientRule?.ports.map((p) => p.port),
    [4222],
    'clients on the client port only',
  )
  t.same(clientRule?.from, [
    {
      podSelector: {
        matchLabels: {
          'app.kubernetes.io/name': 'rental-ledger',
          'app.kubernetes.io/instance': 'rl',
        },
      },
    },
  ])
  for (const worker of ['-relay', '-projector']) {
    const labels = one(bundled, 'Deployment', worker).spec.template.metadata.labels
    for (const [k, v] of Object.entries(clientRule?.from[0]?.podSelector.matchLabels ?? {})) {
      t.equal(labels[k], v, `${worker} pods carry ${k}`)
    }
  }
  const other = one(render(withNats, 'other'), 'NetworkPolicy', '-nats')
  t.equal(
    (other.spec.ingress as Rule[])[0]?.from[0]?.podSelector.matchLabels[
      'app.kubernetes.io/instance'
    ],
    'other',
    "another release's pods are not this one's",
  )
  t.equal(byKind(external, 'NetworkPolicy', '-nats').length, 0, 'none for an external NATS')
})

t.test("this release's pods reach DNS, NATS and PostgreSQL only", async (t) => {
  type Egress = { ports: { port: number; protocol: string }[]; to?: object[] }
  const egress = (docs: Manifest[]) =>
    one(docs, 'NetworkPolicy', '-rental-ledger').spec.egress as Egress[]
  const ports = (docs: Manifest[]) => egress(docs).flatMap((r) => r.ports.map((p) => p.port))
  t.same(
    [...new Set(ports(bundled))].sort((a, b) => a - b),
    [53, 4222, 5432],
  )
  const nats = egress(bundled).find((r) => r.ports.some((p) => p.port === 4222))
  t.same(nats?.to, [
    {
      podSelector: {
        matchLabels: one(bundled, 'NetworkPolicy', '-nats').spec.podSelector.matchLabels,
      },
    },
  ])
  const db = render(['--set', 'networkPolicy.databaseCIDRs={10.40.64.0/18,10.40.128.0/18}'])
  t.same(
    egress(db).find((r) => r.ports.some((p) => p.port === 5432))?.to,
    [{ ipBlock: { cidr: '10.40.64.0/18' } }, { ipBlock: { cidr: '10.40.128.0/18' } }],
    'PostgreSQL at the database subnets only',
  )
  t.equal(byKind(render(['--set', 'networkPolicy.enabled=false']), 'NetworkPolicy').length, 0)
})

t.test('JetStream volumes and the Ingress name classes the cluster has', async (t) => {
  const cluster = (file: string) =>
    parseAllDocuments(readFileSync(join(root, 'terraform/cluster', file), 'utf8')).map(
      (d) => d.toJS() as Manifest & { provisioner?: string },
    )
  const storageClass = cluster('storage-class.yaml').find((m) => m.kind === 'StorageClass')
  t.equal(values.nats.config.jetstream.fileStore.pvc.storageClassName, storageClass?.metadata.name)
  t.equal(storageClass?.provisioner, 'ebs.csi.eks.amazonaws.com', "EKS Auto Mode's EBS driver")
  const ingressClass = cluster('ingress-class.yaml').find((m) => m.kind === 'IngressClass')
  t.equal(values.ingress.className, ingressClass?.metadata.name)
  t.equal(ingressClass?.spec.controller, 'eks.amazonaws.com/alb', "EKS Auto Mode's ALB")
})

t.test('relay and projector: probes and scraping on their health port', async (t) => {
  const { env, port } = values.workerHealth
  t.equal(values.workerHealth.enabled, true, 'on: the processes serve it (HEALTH_PORT)')
  t.equal(env, 'HEALTH_PORT', 'the setting src/config.ts reads')
  for (const docs of [bundled, external]) {
    for (const worker of ['-relay', '-projector']) {
      const c = container(docs, worker)
      t.same(c.ports, [{ name: 'health', containerPort: port, protocol: 'TCP' }])
      t.same(c.livenessProbe?.httpGet, { path: '/healthz', port: 'health' })
      t.same(c.readinessProbe?.httpGet, { path: '/readyz', port: 'health' })
      t.equal(envNamed(c, env)?.value, String(port), `${env} tells the process its port`)
      t.equal(envNamed(c, 'HOST')?.value, '0.0.0.0', 'listening on the pod address')
      const annotations = one(docs, 'Deployment', worker).spec.template.metadata.annotations
      t.equal(annotations['prometheus.io/scrape'], 'true')
      t.equal(annotations['prometheus.io/port'], String(port))
      t.equal(annotations['prometheus.io/path'], '/metrics')
      const problems = envProblems(resolvedEnv(docs, c)).map((p) => p.name ?? p.message)
      t.same(problems, [], `${worker}: every variable is a valid setting`)
      t.equal(loadConfig(resolvedEnv(docs, c)).HEALTH_PORT, port, `${worker}: the port parsed`)
    }
    const policy = byKind(docs, 'NetworkPolicy').find((p) =>
      p.spec.ingress?.some((i: { ports?: { port: number }[] }) =>
        i.ports?.some((x) => x.port === 3000),
      ),
    )
    t.ok(
      policy?.spec.ingress.some((i: { ports?: { port: number }[] }) =>
        i.ports?.some((x) => x.port === port),
      ),
      'the NetworkPolicy lets probes and Prometheus reach the health port',
    )
  }
  const off = render(['--set', 'workerHealth.enabled=false'])
  for (const worker of ['-relay', '-projector']) {
    const c = container(off, worker)
    t.notOk(c.readinessProbe, `${worker}: no probe without the listener`)
    t.notOk(envNamed(c, env), `${worker}: no ${env}`)
  }
  t.throws(() => render(['--set', 'workerHealth.port=3000']), 'not the API port')
})

t.test('every pod stops within a grace period longer than its own bound', async (t) => {
  for (const w of workloads(bundled)) {
    const spec = podSpec(w)
    const preStop = Number(spec.containers[0]?.lifecycle?.preStop?.exec?.command[1] ?? 0)
    t.ok(
      (spec.terminationGracePeriodSeconds ?? 0) > preStop + STOP_TIMEOUT_MS / 1000,
      `${w.metadata.name}: ${spec.terminationGracePeriodSeconds} s > ${preStop} s + the process's bound`,
    )
  }
})
