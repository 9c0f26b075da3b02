// The relay: one leader publishes the committed log, in log order, to the JetStream stream.
// Each event carries Nats-Msg-Id = its event id (JetStream drops a duplicate) and the stream's
// expected last sequence (a stale second relay cannot reorder or double-publish); the cursor in
// PostgreSQL moves only after JetStream acknowledged. See DESIGN.md, "Relay and NATS".
import {
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamClient,
  jetstream,
  type PubAck,
} from '@nats-io/jetstream'
import { headers } from '@nats-io/transport-node'
import type { Logger } from 'pino'
import type { Database } from '../db/database.js'
import { listen, type Unlisten } from '../db/listen.js'
import { EVENTS_CHANNEL } from '../eventstore/announce.js'
import type { Position } from '../eventstore/position.js'
import { START } from '../eventstore/position.js'
import { heldBackAfter, readLog, type StoredEvent } from '../eventstore/reader.js'
import { relayPublished } from '../metrics.js'
import { lagBehindLog } from '../projector/status.js'
import { leadership } from './leader.js'
import { encodeEvent } from './message.js'
import {
  type BusNames,
  ensureStream,
  manager,
  type NatsConnection,
  type StreamSettings,
} from './nats.js'
import { loadRelayCursor, type RelayCursor, saveRelayCursor } from './relay-cursor.js'
import { type BusKey, loadBusKey, SIGNATURE_HEADER } from './signing.js'

export interface RelayOptions {
  batchSize?: number
  pollMs?: number
  log: Pick<Logger, 'info' | 'warn' | 'error'>
  settings: StreamSettings
}

type Cursor = Pick<RelayCursor, 'position' | 'sequence'>

const HELD_BACK_RETRY_MS = 20
/** How often a standby relay tries to take the lead: the time a failover may add. */
const STANDBY_RETRY_MS = 200

export class Relay {
  private stopped = false
  private wake: (() => void) | undefined
  private pending = true
  private loop: Promise<void> | undefined
  private unlisten: Unlisten | undefined
  private readonly leader
  private js: JetStreamClient | undefined
  private key: BusKey | undefined
  /** events published since start, for tests and metrics */
  published = 0
  /** reads of the log since start, for tests */
  reads = 0
  isLeader = false

  constructor(
    private readonly database: Database,
    private readonly nc: NatsConnection,
    private readonly names: BusNames,
    private readonly options: RelayOptions,
  ) {
    this.leader = leadership(database, `relay:${names.stream}`)
  }

  async start(): Promise<void> {
    await ensureStream(await manager(this.nc), this.names, this.options.settings)
    this.js = jetstream(this.nc)
    this.key = await loadBusKey(this.database.db, this.names.stream)
    this.unlisten = await listen(this.database, EVENTS_CHANNEL, () => this.kick())
    this.loop = this.run()
  }

  /** For readiness: throws while this relay leads and is stalled (src/projector/status.ts). */
  async check(stallSeconds: number): Promise<void> {
    if (!this.isLeader) return
    const cursor = await loadRelayCursor(this.database.db, this.names.stream)
    const lag = await lagBehindLog(this.database.db, cursor.position, cursor.movedAt, stallSeconds)
    if (lag.status === 'stalled') {
      throw new Error(
        `the relay is stalled: ${lag.lagEvents} events wait for over ${stallSeconds} s`,
      )
    }
  }

  kick(): void {
    this.pending = true
    this.wake?.()
  }

  async stop(): Promise<void> {
    this.stopped = true
    this.wake?.()
    await this.loop
    await this.unlisten?.()
    await this.leader.release()
  }

  private async run(): Promise<void> {
    const stopped = () => this.stopped
    while (!this.stopped) {
      if (!(await this.leader.acquire(stopped, STANDBY_RETRY_MS))) return
      this.isLeader = true
      this.options.log.info({ stream: this.names.stream }, 'relay leads')
      try {
        let cursor = await this.resync()
        while (!this.stopped && this.leader.held) {
          this.reads++
          const events = await readLog(this.database.db, {
            after: cursor.position,
            limit: this.options.batchSize ?? 500,
          })
          if (events.length === 0) {
            await this.idle(cursor.position)
            continue
          }
          cursor = await this.publish(events, cursor)
        }
      } catch (err) {
        // NATS or PostgreSQL went away: start again from the saved cursor.
        this.options.log.warn({ err }, 'relay interrupted; resuming from its cursor')
        await new Promise((r) => setTimeout(r, 500))
      }
      if (!this.leader.held) this.isLeader = false
    }
  }

  /**
   * Waits for a notification of new commits, or the fallback poll; or only a moment when events
   * have committed that the log's gate still holds back: the transaction holding them back may
   * end without a notification (it appended nothing, or belongs to another database).
   */
  private async idle(after: Position): Promise<void> {
    if (this.pending) {
      this.pending = false
      return
    }
    const heldBack = await heldBackAfter(this.database.db, after)
    await new Promise<void>((resolve) => {
      const timer = setTimeout(
        resolve,
        heldBack ? HELD_BACK_RETRY_MS : (this.options.pollMs ?? 1000),
      )
      this.wake = () => {
        clearTimeout(timer)
        resolve()
      }
    })
    this.wake = undefined
    this.pending = false
  }

  /**
   * Publishes a batch, pipelined, each with the sequence it must land at; then moves the cursor
   * past the events the stream acknowledged, in order. A publish refused because the stream holds
   * something else at that sequence (another relay's message, or anybody's junk) sends the relay
   * back to its saved cursor: what it publishes again that the stream already holds is dropped as
   * a duplicate (Nats-Msg-Id), and projections skip what their checkpoints hold.
   */
  private async publish(events: StoredEvent[], cursor: Cursor): Promise<Cursor> {
    const js = this.js!
    const key = this.key!
    const results = await Promise.allSettled(
      events.map((e, i) => {
        const payload = encodeEvent(e, i === 0 ? cursor.position : events[i - 1]!.position)
        const h = headers()
        h.set(SIGNATURE_HEADER, key.sign(payload))
        return js.publish(this.names.subject(e), payload, {
          msgID: e.eventId,
          headers: h,
          expect: { streamName: this.names.stream, lastSequence: cursor.sequence + i },
        })
      }),
    )
    const acked: PubAck[] = []
    for (const r of results) {
      if (r.status === 'rejected') break
      acked.push(r.value)
    }
    if (acked.length > 0) {
      await this.saveCursor({
        position: events[acked.length - 1]!.position,
        sequence: Math.max(...acked.map((a) => a.seq)),
      })
      const fresh = acked.filter((a) => !a.duplicate).length
      this.published += fresh
      relayPublished.inc(fresh)
    }
    const failed = results[acked.length]
    if (failed?.status === 'rejected' && !isWrongSequence(failed.reason)) throw failed.reason
    if (failed || acked.some((a) => a.duplicate)) return this.resync()
    return { position: events[events.length - 1]!.position, sequence: acked[acked.length - 1]!.seq }
  }

  /**
   * Where to publish from: the cursor saved in PostgreSQL, and the stream's last sequence to expect
   * (so that a stale second relay cannot interleave). Never a message read back from the stream:
   * anyone who may publish on its subjects can have put anything there. After a crash between an
   * ack and the save, the saved cursor is one batch behind: that batch goes out again, and the
   * stream drops it as duplicates.
   */
  private async resync(): Promise<Cursor> {
    const jsm = await manager(this.nc)
    const info = await jsm.streams.info(this.names.stream)
    const lastSeq = info.state.last_seq
    const saved = await this.loadCursor()
    if (lastSeq >= saved.sequence) return { position: saved.position, sequence: lastSeq }
    // The stream holds less than we published: it was recreated. Publish the whole log again;
    // projections skip what their checkpoints already hold.
    this.options.log.warn(
      { stream: this.names.stream, streamLast: lastSeq, cursor: saved.sequence },
      'the stream is behind the relay cursor: republishing the log',
    )
    const cursor = { position: START, sequence: lastSeq }
    await this.saveCursor(cursor)
    return cursor
  }

  private loadCursor(): Promise<Cursor> {
    return loadRelayCursor(this.database.db, this.names.stream)
  }

  private saveCursor(c: Cursor): Promise<void> {
    return saveRelayCursor(this.database.db, this.names.stream, c)
  }
}

/** JetStream refused a publish whose expected last sequence was not the stream's. */
function isWrongSequence(err: unknown): boolean {
  return err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamWrongLastSequence
}
