// A projection worker: a durable pull consumer with explicit ack, consumed inside a re-subscribe
// loop. Messages that arrive together are applied as one batch (read model + checkpoint in one
// transaction, see applyBatch) and acknowledged only after that commits.
import { AckPolicy, type Consumer, DeliverPolicy, type JsMsg, jetstream } from '@nats-io/jetstream'
import type { Logger } from 'pino'
import type { Database } from '../db/database.js'
import type { Position } from '../eventstore/position.js'
import { projectionBatches, rejectedMessages } from '../metrics.js'
import {
  applyBatch,
  NotLinkedError,
  readCheckpoint,
  StreamGapError,
} from '../projector/apply-batch.js'
import type { ProjectionProgress } from '../projector/progress.js'
import type { Projection } from '../projector/projection.js'
import { inLogOrder } from './in-order.js'
import { type DeliveredEvent, decodeEvent, MalformedMessageError } from './message.js'
import { type BusNames, manager, type NatsConnection } from './nats.js'
import { type BusKey, loadBusKey, SIGNATURE_HEADER } from './signing.js'

/** Why a message was set aside. */
type RejectReason = 'malformed' | 'unsigned' | 'bad-signature'

export interface WorkerOptions {
  batchSize?: number
  ackWaitMs?: number
  log: Pick<Logger, 'info' | 'warn' | 'error'>
  /** Fault injection (tests): exit right after this many committed batches, before acking. */
  exitAfterCommits?: number
  /** Called once if the worker stops on an error it must not step over (a gap in a stream). */
  onFatal?: (err: Error) => void
}

export class ProjectionWorker {
  private stopped = false
  private queue: JsMsg[] = []
  private wake: (() => void) | undefined
  private loop: Promise<void> | undefined
  private stopConsuming: (() => Promise<void>) | undefined
  failure: Error | undefined
  applied = 0
  /** batches NATS delivered out of order, taken from the log instead */
  filledFromLog = 0
  /** messages set aside unapplied: malformed, or not signed with the deployment's key */
  rejected = 0
  private commits = 0
  private key: BusKey | undefined

  constructor(
    private readonly database: Database,
    private readonly nc: NatsConnection,
    private readonly names: BusNames,
    private readonly projection: Projection,
    private readonly progress: ProjectionProgress,
    private readonly options: WorkerOptions,
  ) {}

  async start(): Promise<void> {
    this.key = await loadBusKey(this.database.db, this.names.stream)
    // Where it starts from; reading it also readies a connection for the first batch.
    this.progress.advance(
      this.projection.name,
      await readCheckpoint(this.database.db, this.projection.schema),
    )
    const jsm = await manager(this.nc)
    const durable = this.names.durable(this.projection.name)
    const config = {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: (this.options.ackWaitMs ?? 10_000) * 1_000_000,
      max_ack_pending: 10_000,
    }
    try {
      await jsm.consumers.info(this.names.stream, durable)
      await jsm.consumers.update(this.names.stream, durable, config)
    } catch (err) {
      if (!/consumer not found/i.test((err as Error).message)) throw err
      await jsm.consumers.add(this.names.stream, config)
    }
    this.loop = Promise.all([this.subscribe(), this.process()]).then(() => undefined)
  }

  async stop(): Promise<void> {
    this.stopped = true
    this.wake?.()
    await this.stopConsuming?.()
    await this.loop
  }

  /** The re-subscribe loop: a consume that ends for any reason is started again. */
  private async subscribe(): Promise<void> {
    const js = jetstream(this.nc)
    while (!this.stopped) {
      try {
        const consumer: Consumer = await js.consumers.get(
          this.names.stream,
          this.names.durable(this.projection.name),
        )
        const messages = await consumer.consume({
          max_messages: this.options.batchSize ?? 500,
          callback: (m) => {
            this.queue.push(m)
            this.wake?.()
          },
        })
        this.stopConsuming = async () => {
          await messages.close()
        }
        await messages.closed()
      } catch (err) {
        if (this.stopped) return
        this.options.log.warn(
          { err, projection: this.projection.name },
          'consume ended; resubscribing',
        )
        await new Promise((r) => setTimeout(r, 500))
      }
    }
  }

  /** Linked from the checkpoint (the usual case): applied as delivered, the log unread. */
  private async apply(
    delivered: DeliveredEvent[],
  ): Promise<{ position: Position; filled: boolean }> {
    const db = this.database.db
    try {
      const position = await applyBatch(db, this.projection, delivered, { linkedOnly: true })
      return { position, filled: false }
    } catch (err) {
      if (!(err instanceof NotLinkedError)) throw err
    }
    const { events, filled } = await inLogOrder(db, this.projection, delivered)
    return { position: await applyBatch(db, this.projection, events), filled }
  }

  /**
   * The event a message carries, if it is one the relay signed with this deployment's key (so it
   * is the log's, and may be applied without reading the log). Anything else (junk on the
   * subjects, a forgery, another deployment's message) is set aside for good: terminated (never
   * redelivered, so logged once), counted, and never applied. The log loses nothing by it: a gap
   * it leaves is filled from the log (in-order.ts).
   */
  private admit(m: JsMsg): DeliveredEvent | undefined {
    let event: DeliveredEvent
    try {
      event = decodeEvent(m.data)
    } catch (err) {
      if (!(err instanceof MalformedMessageError)) throw err
      this.setAside(m, 'malformed', err.message)
      return undefined
    }
    const signature = m.headers?.get(SIGNATURE_HEADER)
    if (this.key!.verifies(m.data, signature)) return event
    this.setAside(
      m,
      signature ? 'bad-signature' : 'unsigned',
      `event ${event.eventId} at ${event.token} is not signed with this deployment's key`,
    )
    return undefined
  }

  private setAside(m: JsMsg, reason: RejectReason, detail: string): void {
    m.term(reason)
    this.rejected++
    rejectedMessages.inc({ projection: this.projection.name, reason })
    this.options.log.warn(
      { projection: this.projection.name, seq: m.seq, subject: m.subject, reason, detail },
      'message set aside: not applied',
    )
  }

  private async process(): Promise<void> {
    const limit = this.options.batchSize ?? 500
    while (!this.stopped || this.queue.length > 0) {
      if (this.queue.length === 0) {
        if (this.stopped) return
        await new Promise<void>((resolve) => {
          this.wake = resolve
        })
        this.wake = undefined
        continue
      }
      const batch = this.queue.splice(0, limit)
      const accepted: JsMsg[] = []
      const delivered: DeliveredEvent[] = []
      for (const m of batch) {
        const e = this.admit(m)
        if (e) {
          accepted.push(m)
          delivered.push(e)
        }
      }
      if (delivered.length === 0) continue
      try {
        const { position, filled } = await this.apply(delivered)
        if (filled) this.filledFromLog++
        projectionBatches.inc({ projection: this.projection.name, source: filled ? 'log' : 'nats' })
        if (this.options.exitAfterCommits && ++this.commits >= this.options.exitAfterCommits) {
          process.exit(86)
        }
        for (const m of accepted) m.ack()
        this.applied += accepted.length
        this.progress.advance(this.projection.name, position)
      } catch (err) {
        if (err instanceof StreamGapError) {
          // Never build a wrong read model: stop, loudly, and leave the messages unacked.
          this.failure = err
          this.options.log.error({ err, projection: this.projection.name }, 'projection stopped')
          this.stopped = true
          await this.stopConsuming?.()
          this.options.onFatal?.(err)
          return
        }
        // The database is unreachable: give back this batch and everything after it, so that
        // JetStream redelivers them in order (redeliveries come before new messages).
        this.options.log.warn({ err, projection: this.projection.name }, 'batch failed; will retry')
        for (const m of [...accepted, ...this.queue.splice(0)]) m.nak(1000)
        await new Promise((r) => setTimeout(r, 500))
      }
    }
  }
}
