// The relay: one leader publishes the committed log, in log order, to the JetStream stream.
// Each event carries Nats-Msg-Id = its event id (JetStream drops a duplicate) and the stream's
// expected last sequence (a stale second relay cannot reorder or double-publish); the cursor in
// PostgreSQL moves only after JetStream acknowledged. See DESIGN.md, "Relay and NATS".
import { type JetStreamClient, jetstream } from '@nats-io/jetstream'
import { sql } from 'kysely'
import type { Logger } from 'pino'
import type { Database } from '../db/database.js'
import { listen, type Unlisten } from '../db/listen.js'
import { EVENTS_CHANNEL } from '../eventstore/announce.js'
import type { Position } from '../eventstore/position.js'
import { START } from '../eventstore/position.js'
import { readLog, type StoredEvent } from '../eventstore/reader.js'
import { relayPublished } from '../metrics.js'
import { leadership } from './leader.js'
import { decodeEvent, encodeEvent } from './message.js'
import {
  type BusNames,
  ensureStream,
  manager,
  type NatsConnection,
  type StreamSettings,
} from './nats.js'

export interface RelayOptions {
  batchSize?: number
  pollMs?: number
  log: Pick<Logger, 'info' | 'warn' | 'error'>
  settings: StreamSettings
}

interface Cursor {
  position: Position
  sequence: number
}

export class Relay {
  private stopped = false
  private wake: (() => void) | undefined
  private pending = true
  private loop: Promise<void> | undefined
  private unlisten: Unlisten | undefined
  private readonly leader
  private js: JetStreamClient | undefined
  /** events published since start, for tests and metrics */
  published = 0
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
    this.unlisten = await listen(this.database, EVENTS_CHANNEL, () => this.kick())
    this.loop = this.run()
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
      if (!(await this.leader.acquire(stopped, 1000))) return
      this.isLeader = true
      this.options.log.info({ stream: this.names.stream }, 'relay leads')
      try {
        let cursor = await this.reconcile()
        while (!this.stopped && this.leader.held) {
          const events = await readLog(this.database.db, {
            after: cursor.position,
            limit: this.options.batchSize ?? 500,
          })
          if (events.length === 0) {
            await this.idle()
            continue
          }
          cursor = await this.publish(events, cursor)
        }
      } catch (err) {
        // NATS or PostgreSQL went away, or another relay published meanwhile: start again from
        // what the stream says it holds.
        this.options.log.warn({ err }, 'relay interrupted; reconciling with the stream')
        await new Promise((r) => setTimeout(r, 500))
      }
      if (!this.leader.held) this.isLeader = false
    }
  }

  private async idle(): Promise<void> {
    if (this.pending) {
      this.pending = false
      return
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, this.options.pollMs ?? 1000)
      this.wake = () => {
        clearTimeout(timer)
        resolve()
      }
    })
    this.wake = undefined
    this.pending = false
  }

  /** Publishes a batch, pipelined, each with the sequence it must land at; then moves the cursor. */
  private async publish(events: StoredEvent[], cursor: Cursor): Promise<Cursor> {
    const js = this.js!
    const acks = await Promise.all(
      events.map((e, i) =>
        js.publish(
          this.names.subject(e),
          encodeEvent(e, i === 0 ? cursor.position : events[i - 1]!.position),
          {
            msgID: e.eventId,
            expect: { streamName: this.names.stream, lastSequence: cursor.sequence + i },
          },
        ),
      ),
    )
    const last = acks[acks.length - 1]!
    if (acks.some((a) => a.duplicate)) {
      // Already in the stream (a previous leader published it): the stream is the truth.
      return this.reconcile()
    }
    const next = { position: events[events.length - 1]!.position, sequence: last.seq }
    await this.saveCursor(next)
    this.published += events.length
    relayPublished.inc(events.length)
    return next
  }

  /** The cursor, corrected by what the stream actually holds (a crash between ack and save). */
  private async reconcile(): Promise<Cursor> {
    const jsm = await manager(this.nc)
    const info = await jsm.streams.info(this.names.stream)
    const lastSeq = info.state.last_seq
    const saved = await this.loadCursor()
    if (lastSeq === saved.sequence) return saved
    if (lastSeq > saved.sequence) {
      const msg = await jsm.streams.getMessage(this.names.stream, { seq: lastSeq })
      if (!msg) throw new Error(`stream ${this.names.stream} lost message ${lastSeq}`)
      const cursor = { position: decodeEvent(msg.data).position, sequence: lastSeq }
      await this.saveCursor(cursor)
      return cursor
    }
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

  private async loadCursor(): Promise<Cursor> {
    const row = await this.database.db
      .selectFrom('relay_cursors')
      .select([sql<string>`transaction_id::text`.as('tx'), 'global_position', 'stream_sequence'])
      .where('stream', '=', this.names.stream)
      .executeTakeFirst()
    return row
      ? {
          position: { transactionId: BigInt(row.tx), globalPosition: row.global_position },
          sequence: row.stream_sequence,
        }
      : { position: START, sequence: 0 }
  }

  private async saveCursor(c: Cursor): Promise<void> {
    const values = {
      transaction_id: c.position.transactionId.toString(),
      global_position: c.position.globalPosition,
      stream_sequence: c.sequence,
    }
    await this.database.db
      .insertInto('relay_cursors')
      .values({ stream: this.names.stream, ...values })
      .onConflict((oc) => oc.column('stream').doUpdateSet({ ...values, updated_at: sql`now()` }))
      .execute()
  }
}
