// NATS authentication as the chart sets it up: the bundled nats-server requires a token (from the
// chart's Secret), and the service presents NATS_TOKEN. A nats-server of this test's own, with
// --auth, refuses a client without the token and accepts the service with it.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { startBus } from '../../src/bus/index.js'
import { connectNats } from '../../src/bus/nats.js'
import { loadConfig } from '../../src/config.js'
import type { Database } from '../../src/db/database.js'
import type { ProjectionProgress } from '../../src/projector/progress.js'
import { freshPrefix } from '../helpers/nats.js'
import { freePort, NATS_SERVER, waitFor } from '../helpers/processes.js'

const TOKEN = 'a-nats-token-for-the-auth-test-0123456789'

const port = await freePort()
const url = `nats://127.0.0.1:${port}`
const dir = mkdtempSync(join(tmpdir(), 'rl-nats-auth-'))
const server = spawn(
  NATS_SERVER,
  ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir, '--auth', TOKEN],
  { stdio: 'ignore' },
)
const serverFailed = new Promise<string>((resolve) => {
  server.on('error', (err) => resolve(err.message))
  server.on('exit', (code) => resolve(`nats-server exited with ${code}`))
})
t.teardown(() => {
  server.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
})

const refusal = (promise: Promise<{ close(): Promise<void> }>) =>
  promise.then(
    (nc) => nc.close().then(() => undefined),
    (err: Error) => err.message,
  )

t.test('the server is up and asks for the token', async (t) => {
  let failed: string | undefined
  void serverFailed.then((why) => {
    failed = why
  })
  await waitFor('the private nats-server', async () => {
    if (failed) throw new Error(failed)
    return (await refusal(connectNats(url, 'probe', TOKEN))) === undefined
  })
  t.match(await refusal(connectNats(url, 'no token')), /Authorization Violation/)
  t.match(await refusal(connectNats(url, 'wrong token', 'x'.repeat(40))), /Authorization Violation/)
})

t.test('the service connects with NATS_TOKEN', async (t) => {
  const config = loadConfig({ NATS_URL: url, NATS_TOKEN: TOKEN, NATS_PREFIX: freshPrefix() })
  t.equal(config.NATS_TOKEN, TOKEN)
  // Neither relay nor workers: the connection and the stream declaration are what is tested.
  const bus = await startBus(config, {} as Database, {} as ProjectionProgress, {
    relay: false,
    projections: [],
    log: (await import('pino')).pino({ level: 'silent' }),
  })
  await t.resolves(bus.check(), 'NATS answers an authenticated connection')
  await bus.stop()
  t.throws(() => loadConfig({ NATS_TOKEN: 'short' }), /NATS_TOKEN/, 'a short token is refused')
})
