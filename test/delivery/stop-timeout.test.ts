// The process's own stop bound (src/cli/lifecycle.ts): a stop that hangs exits 1 after the bound,
// instead of waiting for the orchestrator's SIGKILL; a stop that finishes exits 0.
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import t, { type Test } from 'tap'
import { childEnv } from '../helpers/processes.js'
import { root } from './tools.js'

const lifecycle = pathToFileURL(join(root, 'src/cli/lifecycle.ts')).href

/** A process that installs stopOnSignal with a stop that hangs or not, then waits for a signal. */
function child(t: Test, hang: boolean) {
  const code = `
    import { pino } from 'pino'
    import { stopOnSignal } from ${JSON.stringify(lifecycle)}
    stopOnSignal(pino(), () => ${hang ? 'new Promise(() => {})' : 'Promise.resolve()'}, 200)
    setInterval(() => {}, 1000)
    process.stdout.write('ready\\n')
  `
  const proc = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    cwd: root,
    env: childEnv({}),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  t.teardown(() => proc.kill('SIGKILL'))
  let out = ''
  const ready = new Promise<void>((resolve) =>
    proc.stdout.on('data', (d) => {
      out += d
      if (out.includes('ready')) resolve()
    }),
  )
  proc.stderr.on('data', (d) => {
    out += d
  })
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (c) => resolve(c)))
  return { proc, ready, exited, output: () => out }
}

t.test('a stop that hangs is cut off with exit 1 and a log line', async (t) => {
  const c = child(t, true)
  await c.ready
  c.proc.kill('SIGTERM')
  t.equal(await c.exited, 1)
  t.match(c.output(), /stop did not finish in time/)
})

t.test('a stop that finishes exits 0', async (t) => {
  const c = child(t, false)
  await c.ready
  c.proc.kill('SIGTERM')
  t.equal(await c.exited, 0)
  t.notMatch(c.output(), /did not finish/)
})
