// What the production image runs: `npm run build`'s compiled JavaScript, started by
// bin/rental-ledger.js with no TypeScript loader. The build goes to a scratch folder inside
// node_modules/.cache (packages resolve from there; a dist/ in the checkout would make bin/ run
// stale code for every other test), and `migrate` runs from it twice on a fresh database.
import { execFile } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { createPostgresDatabase } from '../helpers/db.js'
import { childEnv } from '../helpers/processes.js'
import { root, skipWithoutPostgres } from './tools.js'

const exec = promisify(execFile)
const cache = join(root, 'node_modules/.cache')
mkdirSync(cache, { recursive: true })
const app = mkdtempSync(join(cache, 'rental-ledger-build-'))
t.teardown(() => rmSync(app, { recursive: true, force: true }))

const tsc = join(root, 'node_modules/typescript/bin/tsc')
const bin = join(app, 'bin/rental-ledger.js')
const JWT_SECRET = 'a-build-test-secret-of-at-least-32-chars'
// Only what the image sets (tap still adds its process-tracking hook, which transpiles nothing).
const bare = childEnv({ NODE_ENV: 'production', JWT_SECRET })

t.test('npm run build compiles the service and its migrations', async (t) => {
  // --noCheck: the types are npm test's typecheck; this is about what the emitted files do.
  await exec(
    process.execPath,
    [tsc, '-p', 'tsconfig.build.json', '--noCheck', '--outDir', join(app, 'dist')],
    { cwd: root },
  )
  cpSync(join(root, 'bin'), join(app, 'bin'), { recursive: true })
  cpSync(join(root, 'package.json'), join(app, 'package.json'))
  t.ok(existsSync(join(app, 'dist/src/cli/main.js')), 'the entry point bin/ looks for')
  const sources = readdirSync(join(root, 'migrations')).filter((f) => f.endsWith('.ts'))
  const compiled = readdirSync(join(app, 'dist/migrations')).filter((f) => f.endsWith('.js'))
  t.ok(sources.length > 0)
  t.same(
    compiled,
    sources.map((f) => f.replace(/\.ts$/, '.js')),
    'every migration, beside dist/src as src/db/migrate.ts expects',
  )
})

t.test('the compiled commands run with no TypeScript loader', async (t) => {
  const { stdout } = await exec(process.execPath, [bin, '--help'], { env: bare })
  for (const command of ['serve', 'relay', 'project', 'migrate']) t.match(stdout, command)
})

const skip = await skipWithoutPostgres()

t.test('migrate from the compiled output, twice', { skip }, async (t) => {
  const env = { ...bare, DATABASE_URL: await createPostgresDatabase(t) }
  const first = await exec(process.execPath, [bin, 'migrate'], { env })
  t.match(first.stdout, /applied \d+ migration\(s\)/)
  const second = await exec(process.execPath, [bin, 'migrate'], { env })
  t.match(second.stdout, /up to date/, 'a second run is harmless')
})
