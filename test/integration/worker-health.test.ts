// Readiness and metrics that tell the truth (issue 11, section 1): the relay and projection worker
// processes serve /healthz, /readyz and /metrics on HEALTH_PORT; a worker that has not advanced
// while events wait is stalled (in /api/admin/projections, its own readiness, a metric); the
// relay's lag is read from PostgreSQL, so an API without NATS reports it.
import t, { type Test } from 'tap'
import { loadConfig } from '../../src/config.js'
import { commandDeps, prepareDatabase } from '../../src/service.js'
import { startTestApp, type TestApp } from '../helpers/app.js'
import { openTestDatabase } from '../helpers/db.js'
import { natsTest, processEnv } from '../helpers/nats.js'
import { freePort, spawnCli, waitFor } from '../helpers/processes.js'
import { populate } from '../helpers/workload.js'

const STALL_AFTER_SECONDS = '1'

/** A process's health listener. */
function listener(port: number) {
  const url = `http://127.0.0.1:${port}`
  const get = async (path: string) => {
    const res = await fetch(`${url}${path}`).catch(() => undefined)
    return res && { status: res.status, text: await res.text() }
  }
  return {
    get,
    /** A metric's value (the first line of that name and labels), or undefined. */
    async metric(series: string): Promise<number | undefined> {
      const res = await get('/metrics')
      const line = res?.text.split('\n').find((l) => l.startsWith(`${series} `))
      return line === undefined ? undefined : Number(line.slice(series.length + 1))
    },
  }
}

type Listener = ReturnType<typeof listener>

const readyIs = async (l: Listener, status: number) => (await l.get('/readyz'))?.status === status

/** GET /api/admin/projections by staff: each projection's status. */
async function statuses(ctx: TestApp, staff: { auth: Record<string, string> }) {
  const res = await ctx.app.inject({ url: '/api/admin/projections', headers: staff.auth })
  return Object.fromEntries(
    (res.json() as { name: string; status: string }[]).map((p) => [p.name, p.status]),
  )
}

/** Waits up to `ms` for `check`, failing the test (not throwing) when it never holds. */
async function eventually(t: Test, what: string, check: () => Promise<boolean>, ms = 60_000) {
  const took = await waitFor(what, check, ms, 100).catch((err: Error) => {
    t.fail(err.message)
    return undefined
  })
  if (took !== undefined) t.pass(what)
}

natsTest(t, 'relay and worker processes report their health on HEALTH_PORT', async (t) => {
  const { url, prefix, env: base } = await processEnv(t)
  const database = await openTestDatabase(t, 'postgres', url)
  const env = {
    ...base,
    STALL_AFTER_SECONDS,
    JWT_SECRET: 'worker-health-test-secret-long-enough-for-hs256',
  }
  const config = loadConfig(env)
  await prepareDatabase(config, database)
  const deps = commandDeps(config, database)
  // The API, as the chart runs it: no NATS, no workers of its own.
  const api = await startTestApp(t, database, { NATS_PREFIX: prefix, STALL_AFTER_SECONDS }, 'off')
  const staff = await api.user('staff')
  const workerPort = await freePort()
  const worker = listener(workerPort)
  spawnCli(t, ['project'], { ...env, HEALTH_PORT: String(workerPort) })
  await eventually(
    t,
    'the worker listens',
    async () => (await worker.get('/healthz'))?.status === 200,
  )

  await t.test('no relay: events wait, the worker is stalled', async (t) => {
    await populate(deps, 1, 1)
    await eventually(t, "the worker's readiness fails", () => readyIs(worker, 503))
    const ready = await worker.get('/readyz')
    t.match(ready?.text, /projections: failing: stalled .*book-availability/, 'saying why')
    t.equal(await worker.get('/healthz').then((r) => r?.status), 200, 'alive all the same')
    t.equal(
      await worker.metric('rental_ledger_projection_stalled{projection="book-availability"}'),
      1,
      'the metric shows it',
    )
    t.same(await statuses(api, staff), {
      'book-availability': 'stalled',
      'user-balances': 'stalled',
    })
  })

  const relayPort = await freePort()
  const relay = listener(relayPort)
  let relayChild = spawnCli(t, ['relay'], { ...env, HEALTH_PORT: String(relayPort) })

  await t.test('with the relay: the worker catches up and is ready', async (t) => {
    await eventually(t, 'the relay is ready', () => readyIs(relay, 200))
    await eventually(t, 'the worker is ready again', () => readyIs(worker, 200))
    t.equal(
      await worker.metric('rental_ledger_projection_stalled{projection="book-availability"}'),
      0,
    )
    t.equal(await relay.metric('rental_ledger_relay_lag_events'), 0, 'the relay has published all')
    t.equal(await relay.metric('rental_ledger_relay_stalled'), 0)
    t.same(await statuses(api, staff), {
      'book-availability': 'up-to-date',
      'user-balances': 'up-to-date',
    })
  })

  await t.test("the relay's lag, measured from the database by an API without NATS", async (t) => {
    await relayChild.kill('SIGTERM')
    await populate(deps, 1, 0)
    const lag = async () => {
      const text = (await api.app.inject({ url: '/metrics' })).body
      const line = text.split('\n').find((l) => l.startsWith('rental_ledger_relay_lag_events '))
      return Number(line?.split(' ')[1])
    }
    await eventually(t, 'the API counts the event the relay has not published', async () => {
      return (await lag()) > 0
    })
    relayChild = spawnCli(t, ['relay'], { ...env, HEALTH_PORT: String(relayPort) })
    await eventually(t, 'and sees it published once a relay runs', async () => (await lag()) === 0)
  })

  await relayChild.kill('SIGTERM')
})
