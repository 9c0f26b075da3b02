// The connection to NATS and the names of this deployment's JetStream objects, all derived from
// NATS_PREFIX so that several deployments (or test runs) can share one server.
import {
  type JetStreamManager,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from '@nats-io/jetstream'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import type { Config } from '../config.js'
import type { StoredEvent } from '../eventstore/reader.js'
import { natsReconnects } from '../metrics.js'
import { categoryOf } from '../projector/projection.js'

export interface BusNames {
  stream: string
  subjects: string
  subject(e: Pick<StoredEvent, 'streamId' | 'type'>): string
  durable(projection: string): string
}

export function busNames(prefix: string): BusNames {
  return {
    stream: prefix.toUpperCase(),
    subjects: `${prefix}.>`,
    subject: (e) => `${prefix}.${categoryOf(e.streamId)}.${e.type}`,
    durable: (projection) => `${prefix}_${projection}`,
  }
}

export async function connectNats(
  url: string,
  name: string,
  token?: string,
): Promise<NatsConnection> {
  const nc = await connect({
    servers: url,
    name,
    token,
    // Keep trying for ever: a NATS restart must not take the service down with it.
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    waitOnFirstConnect: true,
    // Every publish and pull request would otherwise build an Error up front, just in case, for
    // its stack trace: ~3% of the service's CPU under load (bench W1 profile).
    noAsyncTraces: true,
  })
  void (async () => {
    for await (const s of nc.status()) if (s.type === 'reconnect') natsReconnects.inc()
  })()
  return nc
}

const NANOS_PER_MS = 1_000_000

export interface StreamSettings {
  replicas: number
  /** how long JetStream keeps events; the log in PostgreSQL keeps them for ever */
  maxAgeMs: number
}

/** Declares the stream; safe to repeat, and updates replicas and retention when they changed. */
export async function ensureStream(
  jsm: JetStreamManager,
  names: BusNames,
  settings: StreamSettings,
): Promise<void> {
  const config = {
    name: names.stream,
    subjects: [names.subjects],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    num_replicas: settings.replicas,
    max_age: settings.maxAgeMs * NANOS_PER_MS,
    duplicate_window: 2 * 60_000 * NANOS_PER_MS,
  }
  try {
    await jsm.streams.info(names.stream)
    await jsm.streams.update(names.stream, config)
  } catch (err) {
    if (!/stream not found/i.test((err as Error).message)) throw err
    await jsm.streams.add(config)
  }
}

export async function manager(nc: NatsConnection): Promise<JetStreamManager> {
  return jetstreamManager(nc)
}

export function natsSettings(config: Pick<Config, 'NATS_REPLICAS'>): StreamSettings {
  return { replicas: config.NATS_REPLICAS, maxAgeMs: 7 * 24 * 3_600_000 }
}

export type { NatsConnection }
