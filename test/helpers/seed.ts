// What the tests of the old service's paths share: its token header, a token's claims, the
// answer shapes, and a check that a refused request appended nothing to the log.
import { sql } from 'kysely'
import type { Test } from 'tap'
import type { Database } from '../../src/db/database.js'
import type { TestApp } from './app.js'

export const PROBLEM = 'application/problem+json; charset=utf-8'
export const UNKNOWN = '00000000-0000-4000-8000-000000000000'
export const jwt = (token: string) => ({ authorization: `JWT ${token}` })

export const claimsOf = (token: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'))

type Answer = { statusCode: number; headers: Record<string, unknown>; json(): unknown }

/** A 4xx in both shapes: problem+json of `status`, holding the old keys `old` as given. */
export function oldError(t: Test, res: Answer, status: number, old: Record<string, string[]>) {
  t.equal(res.statusCode, status, `${status}: ${JSON.stringify(res.json()).slice(0, 300)}`)
  t.equal(res.headers['content-type'], PROBLEM, 'problem+json')
  const body = res.json() as Record<string, unknown>
  t.match(body, { type: String, title: String, status, detail: String, code: String })
  for (const [key, messages] of Object.entries(old)) t.same(body[key], messages, key)
}

async function logHead(database: Database): Promise<string> {
  const { rows } = await sql<{ n: string }>`
    SELECT coalesce(max(global_position), 0)::text AS n FROM events`.execute(database.db)
  return rows[0]!.n
}

/** Runs the requests and checks that none of them appended to the log. */
export async function appendsNothing<T>(t: Test, database: Database, run: () => Promise<T>) {
  const before = await logHead(database)
  const result = await run()
  t.equal(await logHead(database), before, 'nothing appended to the log')
  return result
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

/** `send(method, url, headers?, body?)` through the app's inject. */
export const sender =
  ({ app }: Pick<TestApp, 'app'>) =>
  (method: Method, url: string, headers: Record<string, string> = {}, payload?: object) =>
    app.inject({ method, url, headers, ...(payload && { payload }) })
