// `create-superuser` as an operator runs it: a child process of the package's bin, then a sign-in
// through the service built on the same database.
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { type Database, openPglite, openPostgres } from '../../src/db/database.js'
import { migrateToLatest } from '../../src/db/migrate.js'
import { startTestApp } from '../helpers/app.js'
import { createPostgresDatabase } from '../helpers/db.js'
import { childEnv } from '../helpers/processes.js'

const BIN = join(import.meta.dirname, '../../bin/rental-ledger.js')
const PASSWORD = 'a-staff-password'

interface Run {
  code: number
  stdout: string
  stderr: string
}

function cli(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, 'create-superuser', ...args],
      {
        env: childEnv({
          NODE_ENV: 'test',
          BCRYPT_COST: '4',
          JWT_SECRET: 'cli-test-secret-that-is-long-enough-for-hs256',
          RENTAL_LEDGER_PASSWORD: PASSWORD,
          ...env,
        }),
      },
      (err, stdout, stderr) =>
        resolve({
          code: err ? Number(err.code ?? 1) : 0,
          stdout: `${stdout}`,
          stderr: `${stderr}`,
        }),
    )
  })
}

const boss = ['--username', 'boss', '--email', 'boss@example.com']

/** The account signs in through the API and is staff. */
async function signsInAsStaff(t: Test, database: Database) {
  const { app } = await startTestApp(t, database)
  const login = await app.inject({
    method: 'POST',
    url: '/api/auth/token',
    payload: { username: 'boss', password: PASSWORD },
  })
  t.equal(login.statusCode, 200, 'signs in with the password from the environment')
  const me = await app.inject({
    url: '/api/me',
    headers: { authorization: `Bearer ${login.json().accessToken}` },
  })
  t.match(me.json(), { username: 'boss', email: 'boss@example.com', role: 'staff' })
}

t.test('on PostgreSQL', async (t) => {
  const url = await createPostgresDatabase(t)
  // As many connections as openTestDatabase gives: the service keeps several (locks, LISTEN) for itself.
  const database = openPostgres(url, 20)
  t.teardown(() => database.close())
  await migrateToLatest(database.db)
  const env = { DATABASE_URL: url }

  // Each run pays the start-up of a process, so independent runs go together.
  const [short, badEmail, missing] = await Promise.all([
    cli(boss, { ...env, RENTAL_LEDGER_PASSWORD: 'short' }),
    cli(['--username', 'boss', '--email', 'nope'], env),
    cli(['--username', 'boss'], env),
  ])
  t.equal(short.code, 1, 'a short password is refused')
  t.match(short.stderr, /^rental-ledger create-superuser: password .*8 characters\n$/)
  t.equal(badEmail.code, 1, 'so is a bad email')
  t.match(badEmail.stderr, /^rental-ledger create-superuser: email .*\n$/)
  t.equal(missing.code, 2, 'and a missing option is a usage error')
  const users = await database.db.selectFrom('users').select('username').execute()
  t.same(users, [], 'no account was made')

  const created = await cli(boss, env)
  t.equal(created.code, 0, created.stderr)
  t.match(created.stdout, /^created staff account boss \([0-9a-f-]{36}\)\n$/, 'one line')

  const [again, sameEmail] = await Promise.all([
    cli(['--username', 'BOSS', '--email', 'other@example.com'], env),
    cli(['--username', 'boss2', '--email', 'boss@example.com'], env),
  ])
  t.equal(again.code, 1)
  t.equal(again.stderr, 'rental-ledger create-superuser: That username is taken\n')
  t.equal(sameEmail.code, 1)
  t.equal(sameEmail.stderr, 'rental-ledger create-superuser: That email is already registered\n')

  await signsInAsStaff(t, database)
})

t.test('embedded, with no migrate run before', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rl-superuser-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const created = await cli(boss, { DATA_DIR: dir })
  t.equal(created.code, 0, created.stderr)
  const database = await openPglite(dir)
  t.teardown(() => database.close())
  await signsInAsStaff(t, database)
})
