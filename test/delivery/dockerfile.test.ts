// The Dockerfile, read without a Docker engine (CI builds it for real): a build stage that compiles,
// a runtime stage with production dependencies only, the compiled JavaScript, a non-root user,
// NODE_ENV=production, a health check on /healthz, settings src/config.ts knows, tini as PID 1,
// and the RDS CA bundle at the path the README's DATABASE_URL names (which node-postgres reads).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import t from 'tap'
import { ConfigSchema } from '../../src/config.js'
import { root } from './tools.js'

interface Instruction {
  keyword: string
  args: string
}

/** Stages of a Dockerfile: continuation lines joined, comments dropped. */
function stages(text: string): Instruction[][] {
  const lines = text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
  const out: Instruction[][] = []
  for (const line of lines) {
    const [, keyword = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? []
    const instruction = { keyword: keyword.toUpperCase(), args }
    if (instruction.keyword === 'FROM') out.push([])
    out.at(-1)?.push(instruction)
  }
  return out
}

const all = stages(readFileSync(join(root, 'Dockerfile'), 'utf8'))
const runtime = all.at(-1) ?? []
const build = all.find((s) => s.some((i) => i.keyword === 'RUN' && /npm run build/.test(i.args)))
const args = (stage: Instruction[], keyword: string) =>
  stage.filter((i) => i.keyword === keyword).map((i) => i.args)

t.test(
  'multi-stage: the build compiles, the runtime installs production dependencies',
  async (t) => {
    t.ok(all.length >= 2, 'at least two stages')
    t.ok(build && build !== runtime, 'a build stage runs npm run build')
    t.ok(build && args(build, 'RUN').some((a) => /\bnpm ci\b/.test(a)))
    t.ok(
      args(runtime, 'RUN').some((a) => /\bnpm ci\b.*--omit=dev/.test(a)),
      'npm ci --omit=dev in the runtime',
    )
    t.ok(
      args(runtime, 'COPY').some((a) => /--from=build\b.*\bdist\b/.test(a)),
      'the runtime takes the compiled dist/ from the build stage',
    )
    t.notOk(
      args(runtime, 'COPY').some((a) => /^(--\S+\s+)*(src|migrations|projections)\b/.test(a)),
      'no TypeScript sources in the runtime',
    )
  },
)

t.test('the build copies every folder tsconfig.build.json compiles', async (t) => {
  const { include } = JSON.parse(readFileSync(join(root, 'tsconfig.build.json'), 'utf8')) as {
    include: string[]
  }
  const copied = args(build ?? [], 'COPY').map((a) => a.split(/\s+/)[0])
  for (const dir of include) t.ok(copied.includes(dir), `COPY ${dir}`)
})

t.test('runtime: non-root, production, health check, one entry point', async (t) => {
  const user = args(runtime, 'USER').at(-1)
  t.ok(user, 'a USER is set')
  t.notMatch(user, /^(root|0)(:|$)/, 'and it is not root')
  t.match(user, /^\d+(:\d+)?$/, 'numeric, so Kubernetes can verify runAsNonRoot')
  const env = Object.fromEntries(
    args(runtime, 'ENV').flatMap((a) => [...a.matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1], m[2]])),
  )
  t.equal(env.NODE_ENV, 'production')
  for (const name of Object.keys(env)) t.ok(name in ConfigSchema.properties, `ENV ${name} is known`)
  t.match(args(runtime, 'HEALTHCHECK').at(-1), /fetch\(.*\/healthz/, 'HEALTHCHECK asks /healthz')
  t.same(JSON.parse(args(runtime, 'ENTRYPOINT').at(-1) ?? 'null'), [
    '/usr/bin/tini',
    '--',
    'node',
    'bin/rental-ledger.js',
  ])
  t.same(JSON.parse(args(runtime, 'CMD').at(-1) ?? 'null'), ['serve'])
})

t.test('node runs under tini, which the runtime stage installs', async (t) => {
  const install = args(runtime, 'RUN').find((a) => /apt-get install\b.*\btini\b/.test(a))
  t.ok(install, 'apt-get install tini')
  t.match(install, /rm -rf \/var\/lib\/apt\/lists/, 'without keeping the package lists')
  const entrypoint = JSON.parse(args(runtime, 'ENTRYPOINT').at(-1) ?? '[]') as string[]
  t.match(entrypoint[0], /(^|\/)tini$/, 'PID 1 is the init, not node')
  t.equal(entrypoint[1], '--', 'the command line after it is passed as is')
})

// The bundle's path in the image, from its ADD line.
const bundle = args(runtime, 'ADD')
  .map((a) => /(https:\/\/truststore\.pki\.rds\.amazonaws\.com\/\S+\.pem)\s+(\S+)$/.exec(a))
  .find((m) => m)

t.test('the image carries the RDS CA bundle the documented DATABASE_URL names', async (t) => {
  t.ok(bundle, 'ADD of the RDS trust store bundle')
  const path = bundle?.[2] ?? ''
  t.match(path, /^\/etc\/ssl\/certs\/\S+\.pem$/)
  const readme = readFileSync(join(root, 'README.md'), 'utf8')
  const urls = [...readme.matchAll(/postgres(?:ql)?:\/\/[^\s'"`]+\?[^\s'"`]*sslmode=[^\s'"`]+/g)]
  t.ok(urls.length > 0, 'the README documents an RDS DATABASE_URL with sslmode')
  for (const [url] of urls) {
    const query = new URL(url.replace(/<[^>]+>/g, 'x')).searchParams
    t.equal(query.get('sslmode'), 'verify-full', url)
    t.equal(query.get('sslrootcert'), path, 'with the bundle the image carries')
  }
})

t.test('node-postgres verifies the server against that CA for such a URL', async (t) => {
  // pg reads sslrootcert itself; here a stand-in file at a path of the test's own.
  const dir = mkdtempSync(join(tmpdir(), 'rl-ca-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const ca = join(dir, 'bundle.pem')
  writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nstand-in\n-----END CERTIFICATE-----\n')
  // The TLS options a pg client (and so the service's Pool) takes from a connection string.
  const sslOf = (connectionString: string) =>
    (new pg.Client({ connectionString }) as unknown as { connectionParameters: { ssl: unknown } })
      .connectionParameters.ssl as {
      ca?: string
      rejectUnauthorized?: boolean
      checkServerIdentity?: unknown
    }
  const ssl = sslOf(
    `postgres://app:pw@db.example.internal:5432/ledger?sslmode=verify-full&sslrootcert=${ca}`,
  )
  t.equal(typeof ssl, 'object', 'TLS on')
  t.match(ssl.ca, /stand-in/, 'the CA comes from the file')
  t.not(ssl.rejectUnauthorized, false, 'an unverified server is refused')
  t.equal(ssl.checkServerIdentity, undefined, "the host name is checked (Node's default)")
  const loose = sslOf('postgres://a:b@h/d?sslmode=no-verify')
  t.equal(loose.rejectUnauthorized, false, 'the check would see a mode that does not verify')
})

t.test('.dockerignore keeps local state out of the build context', async (t) => {
  const ignored = readFileSync(join(root, '.dockerignore'), 'utf8').split(/\r?\n/)
  for (const p of ['node_modules', 'dist', '.git', 'data']) t.ok(ignored.includes(p), p)
})
