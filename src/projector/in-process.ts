// Feeds projections straight from the log in this process: the embedded mode, and any deployment
// without NATS. Same log reader and same applyBatch as every other feeder.
import type { Logger } from 'pino'
import type { Database } from '../db/database.js'
import { listen, type Unlisten } from '../db/listen.js'
import { EVENTS_CHANNEL } from '../eventstore/announce.js'
import { readLog } from '../eventstore/reader.js'
import { applyBatch, readCheckpoint } from './apply-batch.js'
import type { ProjectionProgress } from './progress.js'
import type { Projection } from './projection.js'

export interface InProcessFeederOptions {
  batchSize?: number
  /** Fallback poll, for notifications lost while reconnecting. */
  pollMs?: number
  log?: Pick<Logger, 'error' | 'info'>
}

export class InProcessFeeder {
  private wake: (() => void) | undefined
  private pending = true
  private stopped = false
  private loop: Promise<void> | undefined
  private unlisten: Unlisten | undefined
  private failure: Error | undefined

  constructor(
    private readonly database: Database,
    private readonly projections: readonly Projection[],
    private readonly progress: ProjectionProgress,
    private readonly options: InProcessFeederOptions = {},
  ) {}

  async start(): Promise<void> {
    for (const p of this.projections) {
      this.progress.advance(p.name, await readCheckpoint(this.database.db, p.schema))
    }
    this.unlisten = await listen(this.database, EVENTS_CHANNEL, () => this.kick())
    this.loop = this.run()
  }

  /** The error that stopped the feeder, if one did. */
  get error(): Error | undefined {
    return this.failure
  }

  kick(): void {
    this.pending = true
    this.wake?.()
  }

  /** Applies everything committed so far; for tests and shutdown. */
  async drain(): Promise<void> {
    while (await this.step()) {}
  }

  async stop(): Promise<void> {
    this.stopped = true
    this.wake?.()
    await this.loop
    await this.unlisten?.()
  }

  private async run(): Promise<void> {
    const pollMs = this.options.pollMs ?? 1000
    while (!this.stopped) {
      if (!this.pending) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, pollMs)
          this.wake = () => {
            clearTimeout(timer)
            resolve()
          }
        })
        this.wake = undefined
      }
      this.pending = false
      try {
        while (!this.stopped && (await this.step())) {}
      } catch (err) {
        // A gap in a stream or a broken event: stop loudly rather than build a wrong read model.
        this.failure = err as Error
        this.options.log?.error({ err }, 'projection feeder stopped')
        return
      }
    }
  }

  /** One batch for each projection that is behind; true if any moved. */
  private async step(): Promise<boolean> {
    const limit = this.options.batchSize ?? 500
    let moved = false
    for (const p of this.projections) {
      const after = this.progress.position(p.name)
      const events = await readLog(this.database.db, { after, limit })
      if (events.length === 0) continue
      this.progress.advance(p.name, await applyBatch(this.database.db, p, events))
      moved = true
    }
    return moved
  }
}
