// Child processes for fault tests: the service's own commands, and a private nats-server with its
// own store directory on a spare port (never the shared one). Every child is ended when the test is.
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Test } from 'tap'
import { natsUnreachable } from './nats.js'

const BIN = join(import.meta.dirname, '../../bin/rental-ledger.js')
export const NATS_SERVER = process.env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server'

export interface Child {
  process: ChildProcess
  exited: Promise<number | null>
  output(): string
  kill(signal?: NodeJS.Signals): Promise<number | null>
}

function track(t: Test, child: ChildProcess): Child {
  let out = ''
  child.stdout?.on('data', (d) => {
    out = (out + d).slice(-20_000)
  })
  child.stderr?.on('data', (d) => {
    out = (out + d).slice(-20_000)
  })
  let killed = false
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      // A child that ends on its own is news: show what it said.
      if (!killed) t.comment(`${child.spawnargs.slice(1).join(' ')} exited with ${code}:\n${out}`)
      resolve(code)
    }),
  )
  const handle: Child = {
    process: child,
    exited,
    output: () => out,
    async kill(signal = 'SIGTERM') {
      killed = true
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      return exited
    },
  }
  t.teardown(() => handle.kill('SIGKILL'))
  return handle
}

/**
 * The environment of a child process of ours: `env` and PATH, nothing inherited. tap tracks child
 * processes even so (it re-adds its loader); its coverage is switched off in them, because a child
 * runs the same files through another transform (tsx), which garbles the merged coverage report.
 */
export function childEnv(env: Record<string, string | undefined>): Record<string, string> {
  const defined = Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined)
  return {
    PATH: process.env.PATH ?? '',
    ...Object.fromEntries(defined),
    _TAPJS_PROCESSINFO_COVERAGE_: '0',
  }
}

/** `rental-ledger <args>` as a child process with the given environment. */
export function spawnCli(t: Test, args: string[], env: Record<string, string>): Child {
  return track(
    t,
    spawn(process.execPath, [BIN, ...args], {
      env: childEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  )
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number }
      s.close(() => resolve(port))
    })
    s.on('error', reject)
  })
}

export async function waitFor(
  what: string,
  check: () => Promise<boolean> | boolean,
  deadlineMs = 30_000,
  everyMs = 50,
): Promise<number> {
  const start = Date.now()
  while (!(await check())) {
    if (Date.now() - start > deadlineMs)
      throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, everyMs))
  }
  return Date.now() - start
}

export interface PrivateNats {
  url: string
  start(): Promise<void>
  stop(): Promise<void>
}

/** A nats-server of this test's own, with JetStream in a temporary directory. */
export async function privateNats(t: Test): Promise<PrivateNats> {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'rl-nats-'))
  const url = `nats://127.0.0.1:${port}`
  let server: Child | undefined
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const nats: PrivateNats = {
    url,
    async start() {
      server = track(
        t,
        spawn(NATS_SERVER, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir], {
          stdio: ['ignore', 'pipe', 'pipe'],
        }),
      )
      await waitFor(
        'the private nats-server',
        async () => !(await natsUnreachable(url)),
        15_000,
        100,
      )
    },
    async stop() {
      await server?.kill('SIGTERM')
      server = undefined
    },
  }
  await nats.start()
  return nats
}
