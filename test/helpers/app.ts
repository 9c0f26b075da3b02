// The whole service on a test database, driven through `inject`, with a clock the test controls.
import bcrypt from 'bcrypt'
import type { Test } from 'tap'
import { registerUser } from '../../src/commands/accounts.js'
import { type Config, loadConfig } from '../../src/config.js'
import type { Database } from '../../src/db/database.js'
import type { Role } from '../../src/domain/events.js'
import { commandDeps, type Service, type ServiceOptions, startService } from '../../src/service.js'
import { type Backend, forEachBackend, openTestDatabase } from './db.js'

export class TestClock {
  constructor(public now = new Date('2026-01-05T09:00:00.000Z')) {}
  read = () => new Date(this.now)
  advance(ms: number) {
    this.now = new Date(this.now.getTime() + ms)
  }
}

export const HOUR = 3_600_000
export const DAY = 24 * HOUR

export interface TestUser {
  id: string
  username: string
  token: string
  auth: { authorization: string }
}

export interface TestApp {
  service: Service
  app: Service['app']
  database: Database
  config: Config
  clock: TestClock
  /** A registered account of the role, with a signed access token. */
  user(role?: Role, username?: string): Promise<TestUser>
  /** `POST /api/books` by `staff` (one copy of a regular book unless told); throws unless 201. */
  addBook(staff: TestUser, book: NewBook): Promise<{ id: string; position: string }>
}

export interface NewBook {
  title: string
  author?: string
  description?: string
  type?: string
  copies?: number
}

const SECRET = 'test-secret-that-is-long-enough-for-hs256-signing'

export async function startTestApp(
  t: Test,
  database: Database,
  env: Record<string, string> = {},
  workers: ServiceOptions['workers'] = 'in-process',
  options: Pick<ServiceOptions, 'log'> = {},
): Promise<TestApp> {
  const config = loadConfig({
    NODE_ENV: 'test',
    JWT_SECRET: SECRET,
    BCRYPT_COST: '4',
    LOG_LEVEL: 'silent',
    MIN_POSITION_WAIT_MS: '5000',
    // Tests register many accounts from one address; test/http/abuse-limits.test.ts sets its own.
    REGISTRATIONS_PER_HOUR: '10000',
    ...env,
  })
  const clock = new TestClock()
  const logger = config.LOG_LEVEL === 'silent' ? false : { level: config.LOG_LEVEL }
  const service = await startService(config, database, {
    clock: clock.read,
    workers,
    logger,
    ...options,
  })
  t.teardown(() => service.close())
  let n = 0
  const user = async (role: Role = 'user', username?: string): Promise<TestUser> => {
    const name = username ?? `${role}${++n}-${Math.random().toString(36).slice(2, 8)}`
    const { user } = await registerUser(
      commandDeps(config, database, clock.read),
      {
        username: name,
        email: `${name}@example.com`,
        passwordHash: await bcrypt.hash('correct horse battery', 4),
        role,
      },
      {},
    )
    const token = service.app.jwt.sign({ sub: user.id, role, username: name })
    return { id: user.id, username: name, token, auth: { authorization: `Bearer ${token}` } }
  }
  const addBook = async (staff: TestUser, book: NewBook) => {
    const res = await service.app.inject({
      method: 'POST',
      url: '/api/books',
      headers: staff.auth,
      payload: { author: 'A', description: 'A book.', type: 'regular', copies: 1, ...book },
    })
    if (res.statusCode !== 201)
      throw new Error(`adding ${book.title}: ${res.statusCode} ${res.body}`)
    return res.json() as { id: string; position: string }
  }
  return { service, app: service.app, database, config, clock, user, addBook }
}

/** Runs `body` against the service on PostgreSQL and on PGlite. */
export function forEachApp(
  t: Test,
  body: (t: Test, ctx: TestApp, backend: Backend) => Promise<void>,
  env?: Record<string, string>,
): Promise<void> {
  return forEachBackend(t, async (t, database, backend) =>
    body(t, await startTestApp(t, database, env), backend),
  )
}

export { openTestDatabase }
