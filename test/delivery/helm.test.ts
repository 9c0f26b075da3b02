// The Helm chart, offline: helm lint and helm template (helm 4 from the kubectl layer package),
// every rendered manifest validated against its Kubernetes schema (kubernetes-models), and the
// properties a deployment depends on: probes, the migrations hook, the relay's standby, pods that
// run as non-root on a read-only root filesystem, and an environment src/config.ts accepts.
// The NATS subchart needs the network (`helm dependency update`), so it is rendered from a copy of
// the chart without the dependency (test/delivery/chart.ts), with nats.enabled=false and nats.url
// (ci/offline-values.yaml); the CI workflow renders the real dependency. NATS authentication,
// NetworkPolicies, worker probes and stop timeouts: helm-hardening.test.ts.
import t from 'tap'
import {
  byKind,
  chartDir,
  helm,
  type Manifest,
  offlineChart,
  offlineValues,
  one,
  podSpec,
  renderer,
  resolvedEnv,
  workloads,
} from './chart.js'
import { envProblems, run } from './tools.js'

const render = renderer(t)
const docs = render([])

t.test('helm lint passes on the chart and, strictly, on its offline copy', async (t) => {
  const lint = run(helm, ['lint', chartDir, '-f', offlineValues])
  t.match(lint, /1 chart\(s\) linted, 0 chart\(s\) failed/)
  t.match(lint, /missing these dependencies: nats/, 'the only warning is the unfetched subchart')
  const strict = run(helm, ['lint', '--strict', offlineChart(t), '-f', offlineValues])
  t.match(strict, /0 chart\(s\) failed/)
})

t.test('values.schema.json refuses what the service would refuse', async (t) => {
  t.throws(() => render(['--set', 'settings.TRUST_PROXY=true']), 'a YAML boolean for on/off')
  t.throws(() => render(['--set', 'settings.WORKERS=on']), 'a setting the chart manages')
  t.throws(() => render(['--set', 'secrets.jwtSecret=short']), 'a JWT secret under 32 characters')
  t.throws(() => render(['--set', 'nats.url=']), 'neither the bundled NATS nor a URL')
})

t.test('every rendered manifest is valid against its Kubernetes schema', async (t) => {
  t.same([...new Set(docs.map((d) => d.kind))].sort(), [
    'Deployment',
    'HorizontalPodAutoscaler',
    'Ingress',
    'Job',
    'NetworkPolicy',
    'PodDisruptionBudget',
    'Secret',
    'Service',
  ])
  for (const doc of docs) {
    const models = (await import(`kubernetes-models/${doc.apiVersion}`)) as Record<
      string,
      new (
        data: unknown,
      ) => { validate(): void }
    >
    const Model = models[doc.kind]
    if (!Model) {
      t.fail(`no schema for ${doc.apiVersion} ${doc.kind}`)
      continue
    }
    t.doesNotThrow(() => new Model(doc).validate(), `${doc.kind} ${doc.metadata.name}`)
  }
  const { Deployment } = await import('kubernetes-models/apps/v1')
  const broken = structuredClone(one(docs, 'Deployment', '-relay'))
  broken.spec.replicas = 'two'
  t.throws(() => new Deployment(broken).validate(), 'the validator does refuse a bad manifest')
})

t.test('the API: probes, Service, Ingress health check, autoscaling', async (t) => {
  const api = one(docs, 'Deployment', '-api')
  const [container] = podSpec(api).containers
  t.same(container?.args, ['serve'])
  t.equal(container?.livenessProbe?.httpGet?.path, '/healthz', 'liveness asks /healthz')
  t.equal(container?.readinessProbe?.httpGet?.path, '/readyz', 'readiness asks /readyz')
  t.ok(container?.ports?.some((p) => p.name === 'http' && p.containerPort === 3000))

  const service = one(docs, 'Service', '-api')
  t.same(service.spec.selector, api.spec.selector.matchLabels, 'the Service selects the API pods')
  const ingress = one(docs, 'Ingress')
  const annotations = ingress.metadata.annotations ?? {}
  t.equal(annotations['alb.ingress.kubernetes.io/healthcheck-path'], '/healthz')
  t.equal(annotations['alb.ingress.kubernetes.io/target-type'], 'ip')
  const paths = ingress.spec.rules[0].http.paths as { path: string; backend: { service: object } }[]
  t.same(paths.find((p) => p.path === '/')?.backend.service, {
    name: service.metadata.name,
    port: { name: 'http' },
  })
  t.equal(one(docs, 'HorizontalPodAutoscaler').spec.scaleTargetRef.name, api.metadata.name)
  t.same(one(docs, 'PodDisruptionBudget', '-api').spec.selector, api.spec.selector)
  t.notOk('replicas' in api.spec, 'the HPA owns the replica count')
})

t.test('migrations run as a pre-install and pre-upgrade hook, after their Secret', async (t) => {
  const job = one(docs, 'Job', '-migrate')
  const hooks = job.metadata.annotations?.['helm.sh/hook']?.split(',') ?? []
  t.ok(hooks.includes('pre-install') && hooks.includes('pre-upgrade'), hooks.join(','))
  t.same(podSpec(job).containers[0]?.args, ['migrate'])
  t.equal(podSpec(job).restartPolicy, 'Never')
  const secret = one(docs, 'Secret', '-secrets')
  t.match(secret.metadata.annotations?.['helm.sh/hook'], /pre-install/)
  const weight = (m: Manifest) => Number(m.metadata.annotations?.['helm.sh/hook-weight'])
  t.ok(weight(secret) < weight(job), 'the Secret exists before the Job needs it')
})

t.test('the relay runs two replicas, the workers their own command', async (t) => {
  const relay = one(docs, 'Deployment', '-relay')
  t.equal(relay.spec.replicas, 2, 'one leads, one stands by')
  t.same(podSpec(relay).containers[0]?.args, ['relay'])
  t.same(podSpec(one(docs, 'Deployment', '-projector')).containers[0]?.args, ['project'])
})

t.test('every pod runs as non-root on a read-only root filesystem, /tmp an emptyDir', async (t) => {
  const pods = workloads(docs)
  t.equal(pods.length, 4)
  for (const w of pods) {
    const spec = podSpec(w)
    t.equal(spec.securityContext?.runAsNonRoot, true, `${w.metadata.name} runAsNonRoot`)
    t.not(spec.securityContext?.runAsUser, 0)
    const tmp = spec.volumes?.find((v) => v.emptyDir)
    for (const c of spec.containers) {
      t.equal(c.securityContext?.readOnlyRootFilesystem, true, `${c.name} read-only root`)
      t.equal(c.securityContext?.allowPrivilegeEscalation, false)
      t.ok(c.volumeMounts?.some((m) => m.mountPath === '/tmp' && m.name === tmp?.name))
    }
  }
})

t.test('every container environment is one src/config.ts accepts', async (t) => {
  for (const w of workloads(docs)) {
    for (const c of podSpec(w).containers) {
      const env = resolvedEnv(docs, c)
      t.same(envProblems(env), [], `${w.metadata.name}/${c.name}`)
      const natsWorker = c.args?.[0] === 'relay' || c.args?.[0] === 'project'
      t.equal(env.NATS_URL !== undefined, natsWorker, `${c.name}: NATS_URL only for workers`)
      if (c.args?.[0] === 'serve') t.equal(env.WORKERS, 'off')
    }
  }
  t.same(
    envProblems({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32), WORKER: 'off' }).map(
      (p) => p.name,
    ),
    ['WORKER'],
    'a misspelt name is caught',
  )
})

t.test('an existing Secret, fixed replicas', async (t) => {
  const docs = render([
    '--set',
    'secrets.existingSecret=ledger-secrets',
    '--set',
    'api.autoscaling.enabled=false',
  ])
  t.equal(byKind(docs, 'Secret', '-secrets').length, 0, 'the chart makes no Secret of them')
  t.equal(byKind(docs, 'HorizontalPodAutoscaler').length, 0)
  const api = one(docs, 'Deployment', '-api')
  t.equal(api.spec.replicas, 2)
  const refs = podSpec(api).containers[0]?.env?.flatMap((e) => e.valueFrom?.secretKeyRef ?? [])
  t.same(
    refs?.map((r) => r.name),
    ['ledger-secrets', 'ledger-secrets'],
  )
})

t.test("the bundled NATS is reached by the subchart's Service name", async (t) => {
  const url = (release: string) => {
    const relay = one(
      render(['--set', 'nats.enabled=true', '--set', 'nats.url='], release),
      'Deployment',
      '-relay',
    )
    return podSpec(relay).containers[0]?.env?.find((e) => e.name === 'NATS_URL')?.value
  }
  t.equal(url('rl'), 'nats://rl-nats:4222')
  t.equal(url('nats-ledger'), 'nats://nats-ledger:4222', 'as the NATS chart names it')
})
