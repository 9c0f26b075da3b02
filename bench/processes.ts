// Every process the benchmark starts: the service, the baseline server, the load generator and the
// small helpers. Each is tracked so that the run ends them all, whatever happens; none outlives it.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { mkdirSync, rmSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'
import { freePort } from '../test/helpers/processes.js'

export const ROOT = join(import.meta.dirname, '..')
/** Where the bench compiles the service (ignored by git; never dist/, which bin/ would prefer). */
export const BUILD = join(ROOT, 'bench/.build')
/** The service's command as the image runs it: compiled JavaScript, no TypeScript loader. */
export const BIN = join(BUILD, 'src/cli/main.js')

/**
 * Compiles the service as the Dockerfile does (tsc -p tsconfig.build.json), into BUILD, with the
 * web app's files where src/http/routes/web.ts looks for them. Incremental: a second run with
 * the same sources takes a few seconds.
 */
export function compileService(): void {
  const tsc = join(ROOT, 'node_modules/typescript/bin/tsc')
  execFileSync(
    process.execPath,
    [
      tsc,
      '-p',
      'tsconfig.build.json',
      '--outDir',
      BUILD,
      '--incremental',
      '--tsBuildInfoFile',
      join(BUILD, '.tsbuildinfo'),
    ],
    { cwd: ROOT, stdio: 'inherit' },
  )
  mkdirSync(join(BUILD, 'web'), { recursive: true })
  rmSync(join(BUILD, 'web/dist'), { force: true, recursive: true })
  symlinkSync(join(ROOT, 'web/dist'), join(BUILD, 'web/dist'))
}

export interface Child {
  name: string
  process: ChildProcess
  /** the exit code, or null when a signal ended it */
  exited: Promise<number | null>
  /** everything it printed on stdout */
  stdout(): string
  /** the last 20 kB it printed on either stream, for error messages */
  tail(): string
  /** SIGTERM, then SIGKILL after `graceMs` */
  stop(graceMs?: number): Promise<number | null>
}

const running = new Set<Child>()

export function spawnChild(
  name: string,
  command: string,
  args: string[],
  env: Record<string, string>,
): Child {
  const proc = spawn(command, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let tail = ''
  proc.stdout.on('data', (d: Buffer) => {
    out += d
    tail = (tail + d).slice(-20_000)
  })
  proc.stderr.on('data', (d: Buffer) => {
    tail = (tail + d).slice(-20_000)
  })
  const exited = new Promise<number | null>((resolve) => {
    proc.on('error', (err) => {
      tail += `\n${err.message}`
      resolve(127)
    })
    proc.on('exit', (code) => resolve(code))
  })
  const child: Child = {
    name,
    process: proc,
    exited,
    stdout: () => out,
    tail: () => tail,
    async stop(graceMs = 15_000) {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM')
        const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs)
        await exited
        clearTimeout(timer)
      }
      running.delete(child)
      return exited
    },
  }
  running.add(child)
  void exited.then(() => running.delete(child))
  return child
}

/** A TypeScript file of bench/ as a process of its own. */
export function spawnTs(name: string, file: string, args: string[], env: Record<string, string>) {
  return spawnChild(name, process.execPath, ['--import', 'tsx', join(ROOT, file), ...args], env)
}

/** Ends every process this run started (on success, failure or a signal). */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((c) => c.stop(5_000)))
}

/** Waits for a child to finish within `timeoutMs`; its stdout, or an error with its output. */
export async function finish(child: Child, timeoutMs: number): Promise<string> {
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    child.process.kill('SIGKILL')
  }, timeoutMs)
  const code = await child.exited
  clearTimeout(timer)
  if (timedOut) throw new Error(`${child.name} took longer than ${timeoutMs} ms:\n${child.tail()}`)
  if (code !== 0) throw new Error(`${child.name} exited with ${code}:\n${child.tail()}`)
  return child.stdout()
}

/** Polls `check` until it holds; throws after `deadlineMs`, or at once if `child` exits. */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  deadlineMs: number,
  child?: Child,
  everyMs = 100,
): Promise<void> {
  const start = Date.now()
  for (;;) {
    if (child && child.process.exitCode !== null) {
      throw new Error(`${child.name} exited while waiting for ${what}:\n${child.tail()}`)
    }
    if (await check().catch(() => false)) return
    if (Date.now() - start > deadlineMs) {
      throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}`)
    }
    await new Promise((r) => setTimeout(r, everyMs))
  }
}

export interface Server {
  url: string
  child: Child
}

/** `rental-ledger serve` on a free port, ready (GET /readyz answers 200). */
export async function startService(
  env: Record<string, string>,
  options: { workers: 'on' | 'off'; cpuProfDir?: string },
): Promise<Server> {
  const port = await freePort()
  const prof = options.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', options.cpuProfDir] : []
  const child = spawnChild('rental-ledger serve', process.execPath, [...prof, BIN, 'serve'], {
    ...env,
    PORT: String(port),
    HOST: '127.0.0.1',
    WORKERS: options.workers,
  })
  const url = `http://127.0.0.1:${port}`
  await waitUntil(
    'the service to be ready',
    async () => (await fetch(`${url}/readyz`)).ok,
    // A shared machine under load may take minutes to start a process.
    180_000,
    child,
  )
  return { url, child }
}

/** The baseline server (bench/baseline-server.ts) on a free port, answering. */
export async function startBaseline(databaseUrl: string, poolMax: number): Promise<Server> {
  const port = await freePort()
  const child = spawnTs('baseline server', 'bench/baseline-server.ts', [], {
    DATABASE_URL: databaseUrl,
    PORT: String(port),
    DB_POOL_MAX: String(poolMax),
  })
  const url = `http://127.0.0.1:${port}`
  await waitUntil(
    'the baseline server',
    async () => (await fetch(`${url}/row/1`)).ok,
    30_000,
    child,
  )
  return { url, child }
}
