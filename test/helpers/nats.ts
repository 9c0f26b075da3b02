// NATS for tests: the shared server on 127.0.0.1:4222 with a fresh prefix per test file (so runs
// never see each other's streams), or a private nats-server of the test's own for fault tests.
import { randomBytes } from 'node:crypto'
import { jetstreamManager } from '@nats-io/jetstream'
import { connect } from '@nats-io/transport-node'
import type { Test } from 'tap'
import { createPostgresDatabase } from './db.js'

export const NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222'

export function freshPrefix(): string {
  return `t${randomBytes(5).toString('hex')}`
}

/** Why NATS cannot be used, or undefined when it can. */
export async function natsUnreachable(url = NATS_URL): Promise<string | undefined> {
  try {
    const nc = await connect({ servers: url, timeout: 3000 })
    await nc.close()
    return undefined
  } catch (err) {
    return (err as Error).message
  }
}

/**
 * A subtest that needs NATS and PostgreSQL: skipped when NATS is not there, except under CI=true,
 * where it fails: CI must never pass by skipping.
 */
export async function natsTest(t: Test, name: string, body: (t: Test) => Promise<void>) {
  const why = await natsUnreachable()
  const skip = why && process.env.CI !== 'true' ? `NATS unreachable: ${why}` : false
  return t.test(name, { skip }, async (t) => {
    if (why) {
      t.fail(`NATS is required under CI: ${why}`)
      return
    }
    await body(t)
  })
}

/** How many messages the prefix's stream holds. */
export async function streamMessages(prefix: string, url = NATS_URL): Promise<number> {
  const nc = await connect({ servers: url })
  try {
    const jsm = await jetstreamManager(nc)
    const info = await jsm.streams.info(prefix.toUpperCase())
    return info.state.messages
  } finally {
    await nc.close()
  }
}

/** Deletes the prefix's stream when the test ends. */
export function cleanupStream(t: Test, prefix: string, url = NATS_URL): void {
  t.teardown(async () => {
    const nc = await connect({ servers: url })
    const jsm = await jetstreamManager(nc)
    await jsm.streams.delete(prefix.toUpperCase()).catch(() => {})
    await nc.close()
  })
}

/**
 * For the service's own processes on the shared NATS: a fresh database and prefix, both removed
 * when the test ends, and the environment that names them.
 */
export async function processEnv(t: Test) {
  const url = await createPostgresDatabase(t)
  const prefix = freshPrefix()
  cleanupStream(t, prefix)
  const env = { DATABASE_URL: url, NATS_URL, NATS_PREFIX: prefix, LOG_LEVEL: 'warn' }
  return { url, prefix, env }
}
