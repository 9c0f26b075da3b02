// docker-compose.yml, without a Docker engine: its wiring (health checks, one-shot migrate,
// depends_on conditions, the relay's standby), that every variable it gives the service is one
// src/config.ts knows and accepts, that it has no fallback secret, publishes the API on loopback
// only and gives every service a stop timeout longer than the process's own. CI runs `docker
// compose config` and a smoke test for real.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { parse } from 'yaml'
import { commands } from '../../src/cli/commands.js'
import { STOP_TIMEOUT_MS } from '../../src/cli/lifecycle.js'
import { envProblems, root } from './tools.js'

interface Service {
  image?: string
  build?: unknown
  command?: string[]
  environment?: Record<string, string | number> | string[]
  depends_on?: Record<string, { condition: string }>
  healthcheck?: { test?: string[]; disable?: boolean }
  volumes?: string[]
  ports?: string[]
  restart?: string
  stop_grace_period?: string
  deploy?: { replicas?: number }
}
interface Compose {
  services: Record<string, Service>
  volumes?: Record<string, unknown>
}

const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), {
  merge: true,
}) as Compose
const services = compose.services
const ours = Object.entries(services).filter(([, s]) => s.build !== undefined)

/**
 * Compose's interpolation: ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?message} and
 * ${NAME?message} (which stop `docker compose` with the message when NAME is unset).
 */
function interpolate(value: string, shell: Record<string, string | undefined>): string {
  return value.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])([^}]*))?\}/g,
    (_, name: string, colon: string, op: string | undefined, arg: string) => {
      const set = shell[name] !== undefined && (colon !== ':' || shell[name] !== '')
      if (set) return shell[name]!
      if (op === '?') throw new Error(`required variable ${name} is missing a value: ${arg}`)
      return op === '-' ? arg : ''
    },
  )
}

// What a developer's shell gives compose: a secret of their own, nothing else.
const SHELL = { JWT_SECRET: 'a-secret-of-the-developers-own-0123456789' }

/** The environment as compose passes it, interpolated against SHELL. */
function environment(s: Service): Record<string, string> {
  const entries = Array.isArray(s.environment)
    ? s.environment.map((e) => e.split(/=(.*)/s).slice(0, 2) as [string, string])
    : Object.entries(s.environment ?? {}).map(([k, v]) => [k, String(v)] as [string, string])
  return Object.fromEntries(entries.map(([k, v]) => [k, interpolate(v, SHELL)]))
}

/** Compose durations as seconds: 30s, 1m30s, 90. */
function seconds(duration: string | undefined): number {
  if (duration === undefined) return Number.NaN
  if (/^\d+$/.test(duration)) return Number(duration)
  const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001 }
  let total = 0
  const rest = duration.replace(/(\d+(?:\.\d+)?)(ms|h|m|s)/g, (_, n: string, u: string) => {
    total += Number(n) * units[u]!
    return ''
  })
  return rest === '' ? total : Number.NaN
}

t.test('the service runs as migrate, serve, relay and project from one image', async (t) => {
  t.same(ours.map(([name]) => name).sort(), ['api', 'migrate', 'projector', 'relay'])
  t.equal(new Set(ours.map(([, s]) => s.image)).size, 1, 'one image for every role')
  for (const [name, s] of ours) {
    t.ok(s.command?.[0] && s.command[0] in commands, `${name}: ${s.command?.join(' ')}`)
  }
  t.same(services.migrate?.command, ['migrate'])
  t.equal(services.migrate?.restart, 'no', 'migrate runs once')
  t.same(services.api?.command, ['serve'])
})

t.test('every variable set for the service is a setting src/config.ts accepts', async (t) => {
  for (const [name, s] of ours) t.same(envProblems(environment(s)), [], name)
  t.equal(environment(services.api!).WORKERS, 'off', 'the API runs without workers')
  t.equal(environment(services.api!).HOST, '0.0.0.0', 'reachable from outside its container')
  t.equal(environment(services.api!).NATS_URL, undefined, 'the API does not depend on NATS')
  for (const worker of ['relay', 'projector']) {
    t.match(environment(services[worker]!).NATS_URL, /^nats:\/\/nats:4222$/, worker)
  }
})

t.test('DATABASE_URL names the postgres service and its credentials', async (t) => {
  const pgEnv = environment(services.postgres!)
  const url = new URL(environment(services.migrate!).DATABASE_URL!)
  t.equal(url.hostname, 'postgres')
  t.equal(url.username, pgEnv.POSTGRES_USER)
  t.equal(url.password, pgEnv.POSTGRES_PASSWORD)
  t.equal(url.pathname, `/${pgEnv.POSTGRES_DB}`)
})

t.test('PostgreSQL 15 and NATS with JetStream, with health checks and volumes', async (t) => {
  t.match(services.postgres?.image, /^postgres:15(\b|$)/)
  t.ok(services.nats?.command?.includes('-js'), 'JetStream is on')
  for (const name of ['postgres', 'nats']) {
    const s = services[name]!
    t.ok(s.healthcheck?.test?.length, `${name} has a health check`)
    const named = (s.volumes ?? []).map((v) => v.split(':')[0]!)
    t.ok(named.length > 0, `${name} keeps its data in a volume`)
    for (const v of named) t.ok(compose.volumes && v in compose.volumes, `volume ${v} is declared`)
  }
})

t.test('depends_on: healthy stores, then a completed migrate, then the rest', async (t) => {
  const allowed = ['service_started', 'service_healthy', 'service_completed_successfully']
  for (const [name, s] of Object.entries(services)) {
    for (const [dep, { condition }] of Object.entries(s.depends_on ?? {})) {
      t.ok(dep in services, `${name} depends on a service that exists: ${dep}`)
      t.ok(allowed.includes(condition), `${name} -> ${dep}: ${condition}`)
      if (dep === 'postgres' || dep === 'nats') t.equal(condition, 'service_healthy')
      if (dep === 'migrate') t.equal(condition, 'service_completed_successfully')
    }
  }
  t.same(Object.keys(services.migrate?.depends_on ?? {}), ['postgres'])
  for (const name of ['api', 'relay', 'projector']) {
    t.ok(services[name]?.depends_on?.migrate, `${name} waits for the migrations`)
  }
  for (const name of ['relay', 'projector']) {
    t.ok(services[name]?.depends_on?.nats, `${name} waits for NATS`)
    t.equal(services[name]?.healthcheck?.disable, true, `${name} serves no HTTP to check`)
  }
})

t.test(
  'the API on port 3000 of the loopback interface only; the relay with a standby',
  async (t) => {
    t.same(services.api?.ports, ['127.0.0.1:3000:3000'])
    for (const [name, s] of Object.entries(services)) {
      for (const port of s.ports ?? []) t.match(port, /^127\.0\.0\.1:/, `${name} publishes ${port}`)
    }
    t.equal(services.relay?.deploy?.replicas, 2)
  },
)

t.test('no fallback secret: JWT_SECRET must come from the shell', async (t) => {
  const raw = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8')) as {
    'x-env': { JWT_SECRET: string }
  }
  t.match(raw['x-env'].JWT_SECRET, /^\$\{JWT_SECRET:\?[^}]+\}$/, 'required, no default')
  for (const [name, s] of ours) {
    t.equal(environment(s).JWT_SECRET, SHELL.JWT_SECRET, `${name} gets the shell's secret`)
  }
  t.throws(
    () => interpolate(raw['x-env'].JWT_SECRET, {}),
    /JWT_SECRET is missing a value/,
    'compose refuses to start without it',
  )
  t.throws(() => interpolate(raw['x-env'].JWT_SECRET, { JWT_SECRET: '' }), 'nor with it empty')
  // biome-ignore lint/suspicious/noTemplateCurlyInString: compose's syntax, not a template
  t.equal(interpolate('${A:-x}-${B-y}-${C}', { B: '' }), 'x--', 'defaults as compose reads them')
})

t.test("PostgreSQL's health check asks the TCP listener, not the socket", async (t) => {
  const check = services.postgres?.healthcheck?.test?.join(' ') ?? ''
  t.match(check, /pg_isready\b.*-h 127\.0\.0\.1\b/)
})

t.test('every service stops within a stop_grace_period longer than its own bound', async (t) => {
  for (const [name, s] of Object.entries(services)) {
    const grace = seconds(s.stop_grace_period)
    t.ok(grace > STOP_TIMEOUT_MS / 1000, `${name}: stop_grace_period ${s.stop_grace_period}`)
  }
  t.equal(seconds('1m30s'), 90)
  t.ok(Number.isNaN(seconds('soon')), 'an unreadable duration fails the check')
})
