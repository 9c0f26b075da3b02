// Read your own writes, always (API.md): a signed-in caller's query reflects every command that
// caller has had committed, without `?minPosition`, on any replica. Two API replicas share one
// PostgreSQL database; the relay and the projection workers run as separate processes over real
// NATS, so a read right after a command races the whole fan-out.
import t, { type Test } from 'tap'
import { PROJECTIONS } from '../../projections/index.js'
import { comparePositions, START } from '../../src/eventstore/position.js'
import { headPosition } from '../../src/eventstore/reader.js'
import { readCheckpoint } from '../../src/projector/apply-batch.js'
import { forEachApp, startTestApp, type TestApp, type TestUser } from '../helpers/app.js'
import { openTestDatabase } from '../helpers/db.js'
import { natsTest, processEnv } from '../helpers/nats.js'
import { spawnCli, waitFor } from '../helpers/processes.js'

const ROUNDS = 50
const SECRET = 'test-secret-that-is-long-enough-for-hs256-signing'

type App = TestApp['app']

/** Registers through the API, as a client would, and signs in with a token of the replica. */
async function register(app: App, n: number): Promise<TestUser> {
  const username = `ryow${n}-${Math.random().toString(36).slice(2, 8)}`
  const res = await app.inject({
    method: 'POST',
    url: '/api/auth/register',
    payload: { username, email: `${username}@example.com`, password: 'correct horse battery' },
  })
  if (res.statusCode !== 201) throw new Error(`register: ${res.statusCode} ${res.body}`)
  const { id } = res.json() as { id: string }
  const token = app.jwt.sign({ sub: id, role: 'user', username })
  return { id, username, token, auth: { authorization: `Bearer ${token}` } }
}

/** Every read a client makes of its own rental and balance, none with ?minPosition. */
async function readsSeeRental(t: Test, app: App, who: TestUser, rentalId: string, round: number) {
  const get = (url: string) => app.inject({ url, headers: who.auth })
  const list = await get('/api/rentals')
  t.equal(list.statusCode, 200, `round ${round}: GET /api/rentals answers`)
  t.same(
    (list.json().items as { id: string }[]).map((r) => r.id),
    [rentalId],
    `round ${round}: the list holds the rental just made`,
  )
  const one = await get(`/api/rentals/${rentalId}`)
  t.equal(one.statusCode, 200, `round ${round}: GET /api/rentals/:id finds it`)
  const balance = await get('/api/me/balance')
  t.same(
    balance.json().openRentals?.map((r: { rentalId: string }) => r.rentalId),
    [rentalId],
    `round ${round}: GET /api/me/balance counts it`,
  )
  const seed = await get(`/api/v3/book_rentals/users/balance/${who.id}`)
  t.equal(seed.statusCode, 200, `round ${round}: the seed balance route knows the account`)
  t.not(seed.json()[0]?.balance, '0.00', `round ${round}: the seed balance counts the rental`)
}

natsTest(t, 'replicas with the relay and workers in other processes', async (t) => {
  const { url, env: base } = await processEnv(t)
  const env = {
    ...base,
    JWT_SECRET: SECRET,
    MAX_OPEN_RENTALS: '1000',
    // Generous: the shared machine and other tests' transactions (the log's xid gate is
    // cluster-wide) can slow the fan-out; a stale read is what fails, not a slow one.
    MIN_POSITION_WAIT_MS: '20000',
  }
  const replica = async (waitMs = env.MIN_POSITION_WAIT_MS) => {
    const database = await openTestDatabase(t, 'postgres', url)
    return startTestApp(t, database, { ...env, MIN_POSITION_WAIT_MS: waitMs }, 'off')
  }
  const a = await replica()
  const b = await replica()
  const impatient = await replica('100')
  const staff = await a.user('staff')

  await t.test('with nothing projecting, the wait is bounded: 503 and Retry-After', async (t) => {
    const book = await a.addBook(staff, { title: 'Waiting', copies: 1 })
    const res = await impatient.app.inject({ url: `/api/books/${book.id}`, headers: staff.auth })
    t.equal(res.statusCode, 503, "staff's own new book is not read stale")
    t.equal(res.headers['retry-after'], '1')
    t.match(res.json(), { code: 'NOT_READY' })
    const anonymous = await impatient.app.inject({ url: `/api/books/${book.id}` })
    t.equal(anonymous.statusCode, 404, 'anyone else reads what the read model holds')
  })

  spawnCli(t, ['relay'], env)
  spawnCli(t, ['project'], env)
  // The processes are up once they have carried what was written so far to both read models.
  await waitFor(
    'the relay and the workers to catch up',
    async () => {
      const head = (await headPosition(a.database.db)) ?? START
      for (const p of PROJECTIONS) {
        if (comparePositions(await readCheckpoint(a.database.db, p.schema), head) < 0) return false
      }
      return true
    },
    120_000,
  )

  await t.test('staff read their own new book on another replica at once', async (t) => {
    const book = await a.addBook(staff, { title: 'Shelved', copies: ROUNDS })
    const res = await b.app.inject({ url: `/api/books/${book.id}`, headers: staff.auth })
    t.equal(res.statusCode, 200)
    t.equal(res.json().copies, ROUNDS)
  })

  await t.test(`register, rent, read at once, ${ROUNDS} times: never stale`, async (t) => {
    const book = await a.addBook(staff, { title: 'Popular', copies: ROUNDS })
    for (let round = 1; round <= ROUNDS; round++) {
      // Commands on one replica, reads on the other (and the other way round, every other time).
      const [writer, reader] = round % 2 ? [a.app, b.app] : [b.app, a.app]
      const who = await register(writer, round)
      const rent = await writer.inject({
        method: 'POST',
        url: '/api/rentals',
        headers: who.auth,
        payload: { bookId: book.id },
      })
      t.equal(rent.statusCode, 201, `round ${round}: rented`)
      await readsSeeRental(t, reader, who, rent.json().id, round)
    }
  })
})

forEachApp(
  t,
  async (t, ctx) => {
    t.test('embedded and in-process: the same rule', async (t) => {
      const staff = await ctx.user('staff')
      const book = await ctx.addBook(staff, { title: 'Local', copies: 5 })
      for (let round = 1; round <= 5; round++) {
        const who = await register(ctx.app, round)
        const rent = await ctx.app.inject({
          method: 'POST',
          url: '/api/rentals',
          headers: who.auth,
          payload: { bookId: book.id },
        })
        t.equal(rent.statusCode, 201, `round ${round}: rented`)
        await readsSeeRental(t, ctx.app, who, rent.json().id, round)
      }
    })
    // As above: other tests' transactions can hold the log's xid gate; slow is not stale.
  },
  { MIN_POSITION_WAIT_MS: '20000' },
)
