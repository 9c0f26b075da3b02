// Several `rental-ledger serve` processes on one PostgreSQL database, as replicas behind a load
// balancer: the first also feeds the read models from the log (WORKERS=on, no NATS), the others
// serve commands only (WORKERS=off). Accounts are registered through the command handlers and
// signed in with tokens made with the processes' JWT secret.
import jwt from '@fastify/jwt'
import Fastify from 'fastify'
import type { Test } from 'tap'
import { registerUser } from '../../src/commands/accounts.js'
import { loadConfig } from '../../src/config.js'
import type { Role } from '../../src/domain/events.js'
import { commandDeps, prepareDatabase } from '../../src/service.js'
import { createPostgresDatabase, openTestDatabase } from './db.js'
import { type Child, freePort, spawnCli, waitFor } from './processes.js'

export interface Account {
  id: string
  headers: Record<string, string>
}

export interface Api {
  url: string
  child: Child
}

export async function apiCluster(t: Test, count: number, env: Record<string, string> = {}) {
  const url = await createPostgresDatabase(t)
  const database = await openTestDatabase(t, 'postgres', url)
  const base = {
    DATABASE_URL: url,
    JWT_SECRET: 'api-cluster-secret-long-enough-for-hs256',
    LOG_LEVEL: 'warn',
    ...env,
  }
  const config = loadConfig(base)
  await prepareDatabase(config, database)
  const deps = commandDeps(config, database)
  const signer = Fastify()
  await signer.register(jwt, { secret: base.JWT_SECRET, sign: { expiresIn: '2h' } })
  t.teardown(() => signer.close())

  /** API process `i` (the first one also feeds the read models). */
  const start = async (i: number): Promise<Api> => {
    const port = await freePort()
    const child = spawnCli(t, ['serve'], {
      ...base,
      HOST: '127.0.0.1',
      PORT: String(port),
      WORKERS: i === 0 ? 'on' : 'off',
    })
    const api = { url: `http://127.0.0.1:${port}`, child }
    await waitFor(
      `API process ${i}`,
      async () => (await fetch(`${api.url}/healthz`).catch(() => undefined))?.ok === true,
      // Two shared cores under a parallel test suite: a process may take long to start.
      180_000,
      200,
    )
    return api
  }
  const apis = await Promise.all(Array.from({ length: count }, (_, i) => start(i)))

  let n = 0
  const account = async (role: Role = 'user'): Promise<Account> => {
    const username = `${role}-${++n}-${Math.random().toString(36).slice(2, 8)}`
    const { user } = await registerUser(
      deps,
      { username, email: `${username}@example.com`, passwordHash: 'unused', role },
      {},
    )
    const token = signer.jwt.sign({ sub: user.id, role, username })
    return { id: user.id, headers: { authorization: `Bearer ${token}` } }
  }
  return { apis, database, env: base, account, start }
}

export interface Answer {
  status: number
  body: Record<string, unknown>
  ms: number
}

/** A JSON request; the status, the parsed body and how long it took. */
export async function call(
  url: string,
  who: Account,
  method: 'GET' | 'POST' = 'GET',
  body?: unknown,
): Promise<Answer> {
  const started = performance.now()
  const res = await fetch(url, {
    method,
    headers: { ...who.headers, ...(body !== undefined && { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const parsed = (await res.json()) as Record<string, unknown>
  return { status: res.status, body: parsed, ms: performance.now() - started }
}

/**
 * A read at a position (`minPosition`): the API answers 503 with Retry-After while its read model
 * is behind and it has waited its bound; a client then asks again. Until `deadlineMs` has passed.
 */
export async function readWhenCaughtUp(
  url: string,
  who: Account,
  deadlineMs = 60_000,
): Promise<Answer> {
  const start = Date.now()
  for (;;) {
    const answer = await call(url, who)
    if (answer.status !== 503 || Date.now() - start > deadlineMs) return answer
    await new Promise((r) => setTimeout(r, 200))
  }
}

/** A counter's total over every label set, from a process's /metrics. */
export async function metricTotal(api: Api, name: string): Promise<number> {
  const text = await (await fetch(`${api.url}/metrics`)).text()
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0)
}
