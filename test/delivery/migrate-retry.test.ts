// `migrate` waits for PostgreSQL (compose and the chart's hook Job start it beside a database that
// may still be starting): bounded retries with backoff, a clear last error, and no retry of an
// error that waiting cannot cure. The command runs in this process (what `rental-ledger migrate`
// calls), its output read as it is written.
import { createServer, type Socket, connect as tcpConnect } from 'node:net'
import t from 'tap'
import { migrate, waitForPostgres } from '../../src/cli/migrate.js'
import { loadConfig } from '../../src/config.js'
import { ADMIN_URL, createPostgresDatabase } from '../helpers/db.js'
import { freePort, waitFor } from '../helpers/processes.js'
import { skipWithoutPostgres } from './tools.js'

const skip = await skipWithoutPostgres()

/** Runs `migrate args` against `url`; what it writes is in output() as it goes (and shown too). */
function run(url: string, args: string[] = []) {
  let out = ''
  const streams = [process.stdout, process.stderr]
  const originals = streams.map((s) => s.write)
  streams.forEach((s, i) => {
    s.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
      out += String(chunk)
      return originals[i]!.call(s, chunk, ...rest)
    }) as typeof s.write
  })
  const code = migrate(args, loadConfig({ NODE_ENV: 'test', DATABASE_URL: url })).finally(() =>
    streams.forEach((s, i) => {
      s.write = originals[i]!
    }),
  )
  return { code, output: () => out }
}

t.test('nobody listening: a bounded number of attempts, then the last error', async (t) => {
  const port = await freePort()
  const m = run(`postgres://postgres@127.0.0.1:${port}/ledger`, ['--connect-attempts', '3'])
  t.equal(await m.code, 1)
  const out = m.output()
  t.match(out, /not reachable yet \(attempt 1\/3: .*ECONNREFUSED.*\); retrying in 250 ms/)
  t.match(out, /attempt 2\/3: .*retrying in 500 ms/, 'the pause doubles')
  t.match(out, /PostgreSQL not reachable after 3 attempt\(s\); last error: .*ECONNREFUSED/)
  t.notMatch(out, /attempt 3\/3/, 'no pause after the last attempt')
  t.notMatch(out, /\n\s+at /, 'one clear line, no stack trace')
})

t.test('waitForPostgres counts its attempts and reports each retry', async (t) => {
  const port = await freePort()
  const retries: number[] = []
  const retry = { attempts: 3, firstDelayMs: 1, maxDelayMs: 2, connectTimeoutMs: 1000 }
  await t.rejects(
    waitForPostgres(`postgres://postgres@127.0.0.1:${port}/x`, retry, (attempt, _err, delay) =>
      retries.push(attempt, delay),
    ),
    /not reachable after 3 attempt\(s\)/,
  )
  t.same(retries, [1, 1, 2, 2], 'attempt 1 waits 1 ms, attempt 2 waits 2 ms (the cap)')
  if (!skip) t.equal(await waitForPostgres(ADMIN_URL, retry, () => t.fail('no retry')), 1)
})

t.test('--connect-attempts must be a positive integer', async (t) => {
  const m = run('postgres://postgres@127.0.0.1:1/ledger', ['--connect-attempts', '0'])
  t.equal(await m.code, 2)
  t.match(m.output(), /--connect-attempts must be a positive integer/)
})

t.test('PostgreSQL that comes up late: migrate waits, then applies', { skip }, async (t) => {
  const target = new URL(await createPostgresDatabase(t))
  const port = await freePort()
  const url = new URL(target)
  url.port = String(port)
  const m = run(url.href)
  await waitFor('a first failed attempt', () => /attempt 1\/10/.test(m.output()))

  // The database "starts": a TCP relay to the real server appears on the port migrate tries.
  const sockets = new Set<Socket>()
  const relay = createServer((client) => {
    const upstream = tcpConnect(Number(target.port || 5432), target.hostname)
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.on('error', () => {
        client.destroy()
        upstream.destroy()
      })
    }
    client.pipe(upstream).pipe(client)
  })
  await new Promise<void>((resolve) => relay.listen(port, '127.0.0.1', resolve))
  t.teardown(() => {
    for (const s of sockets) s.destroy()
    relay.close()
  })

  t.equal(await m.code, 0, m.output())
  t.match(m.output(), /applied \d+ migration\(s\)/)
})

t.test('an error that waiting cannot cure ends it at once', { skip }, async (t) => {
  const url = new URL(ADMIN_URL)
  url.pathname = '/rental_ledger_no_such_database'
  const m = run(url.href)
  t.equal(await m.code, 1)
  t.match(m.output(), /PostgreSQL refused the connection: .*does not exist/)
  t.notMatch(m.output(), /retrying/, 'no retry')
})
