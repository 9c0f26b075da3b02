// Property-based fuzzing of every operation in the API's own OpenAPI document (issue 11 §3).
// Valid and near-valid requests (test/helpers/fuzz-requests.ts), as every role, must never get a
// 5xx, every error must be problem+json with a catalogue code, and a refused request must leave
// the log as it was. Seeded: FUZZ_SEED replays a run, FUZZ_RUNS makes it longer (default a few
// thousand requests on PostgreSQL, fewer on PGlite).
import fc from 'fast-check'
import { sql } from 'kysely'
import t from 'tap'
import { ERRORS, isErrorCode } from '../../src/domain/errors.js'
import { forEachApp } from '../helpers/app.js'
import {
  type FuzzRequest,
  operationsOf,
  RequestArbitraries,
  type Role,
} from '../helpers/fuzz-requests.js'
import { signJwt } from '../helpers/tokens.js'

// Spread over the operations: with the old service's routes, some 55 requests each on PostgreSQL,
// enough for valid requests to reach most operations.
const RUNS = Number(process.env.FUZZ_RUNS ?? 3000)
const SEED = Number(process.env.FUZZ_SEED ?? 20261201)
// About 20 ms a request, for both backends, but several times that on a loaded shared machine;
// longer runs get longer.
t.setTimeout(Math.max(900_000, RUNS * 400))

forEachApp(
  t,
  async (t, { app, user, addBook, database, config }, backend) => {
    const staff = await user('staff')
    const reader = await user()
    const other = await user()
    const books = [
      await addBook(staff, { title: 'Fuzzed', copies: 3 }),
      await addBook(staff, { title: 'Fuzzed too', copies: 1 }),
    ]
    const rent = await app.inject({
      method: 'POST',
      url: '/api/rentals',
      headers: reader.auth,
      payload: { bookId: books[0]!.id },
    })
    t.equal(rent.statusCode, 201, 'a rental to fuzz around')
    const ids = [staff.id, reader.id, other.id, rent.json().id, ...books.map((b) => b.id)]

    const now = Math.floor(Date.now() / 1000)
    const claims = { sub: reader.id, role: 'user', username: reader.username }
    const tokens: Record<Role, string | undefined> = {
      anonymous: undefined,
      user: reader.token,
      other: other.token,
      staff: staff.token,
      garbage: 'not.a.jwt',
      expired: signJwt({ ...claims, iat: now - 7200, exp: now - 3600 }, config.JWT_SECRET!),
      'no-exp': signJwt({ ...claims, iat: now }, config.JWT_SECRET!),
    }

    const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json()
    const operations = operationsOf(doc)
    const operation = (req: FuzzRequest) =>
      operations.find((o) => `${o.method} ${o.path}` === req.operation)
    t.ok(operations.length >= 20, `${operations.length} operations in /docs/json`)
    const arbitraries = new RequestArbitraries(doc, { ids, tokens: [reader.token, staff.token] })

    const logHead = async () =>
      (
        await sql<{
          n: string
        }>`SELECT coalesce(max(global_position), 0)::text AS n FROM events`.execute(database.db)
      ).rows[0]!.n

    const seen = new Map<string, Map<number, number>>()
    let sent = 0
    const runs = backend === 'postgres' ? RUNS : Math.ceil(RUNS / 8)
    const check = async (req: FuzzRequest) => {
      const token = tokens[req.role]
      const before = await logHead()
      const res = await app.inject({
        method: req.method as 'GET',
        url: req.url,
        headers: { ...req.headers, ...(token && { authorization: `Bearer ${token}` }) },
        ...(req.payload !== undefined && { payload: req.payload }),
      })
      sent++
      const statuses = seen.get(req.operation) ?? new Map<number, number>()
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1)
      seen.set(req.operation, statuses)
      const what = `${req.method} ${req.url.slice(0, 300)} as ${req.role}: ${res.statusCode} ${res.body.slice(0, 300)}`
      // A position not yet applied is the one documented 5xx: the read model is behind it, be it
      // a minPosition or a signed-in caller's own last command (with a wait bound of 0 here, a
      // read right after the caller's own write may well be told "not yet").
      const signedIn = req.role === 'user' || req.role === 'other' || req.role === 'staff'
      const notYet =
        res.statusCode === 503 &&
        (res.json() as { code?: string }).code === 'NOT_READY' &&
        (req.minPosition || (signedIn && operation(req)?.readModel === true))
      if (res.statusCode >= 500 && !notYet) throw new Error(`server error: ${what}`)
      if (res.statusCode < 400) return
      if (!/^application\/problem\+json/.test(String(res.headers['content-type']))) {
        throw new Error(`an error that is not problem+json: ${what}`)
      }
      const body = res.json() as { code: unknown; status: unknown }
      if (!isErrorCode(body.code) || body.status !== res.statusCode) {
        throw new Error(`an error without its catalogue code: ${what}`)
      }
      if (ERRORS[body.code].status !== res.statusCode) {
        throw new Error(`${body.code} with another status than the catalogue's: ${what}`)
      }
      if ((await logHead()) !== before) throw new Error(`a refused request appended: ${what}`)
    }
    // Each operation in turn, with its own seed, so that every one gets its share of the runs.
    const perOperation = Math.ceil(runs / operations.length)
    for (const [i, op] of operations.entries()) {
      const requests = arbitraries.request(op) as fc.Arbitrary<FuzzRequest>
      await fc.assert(fc.asyncProperty(requests, check), {
        numRuns: perOperation,
        seed: SEED + i,
        endOnFailure: true,
      })
    }

    const covered = operations.filter((o) => seen.has(`${o.method} ${o.path}`))
    t.equal(covered.length, operations.length, 'every operation was requested')
    const succeeded = [...seen.values()].filter((s) => [...s.keys()].some((c) => c < 300)).length
    t.comment(
      `${backend}: ${sent} requests over ${covered.length} operations (seed ${SEED}); ` +
        `${succeeded} operations answered 2xx at least once; no 5xx, every error problem+json`,
    )
    if (perOperation >= 20) {
      t.ok(succeeded >= operations.length / 2, 'valid requests reach most operations')
    }
  },
  // Reads must not wait for positions the fuzzer invents; logins are not throttled by the
  // fuzzer's own earlier requests more than the limiter says.
  { MIN_POSITION_WAIT_MS: '0' },
)
