// The chain's single writer: follows the log in log order through the one reader (xid-gated,
// eventstore/reader.ts), like a projection, and appends each event's link to audit_chain; signs
// its head every AUDIT_HEAD_INTERVAL_SECONDS when it moved. On PostgreSQL one process at a time
// writes: the holder of the session advisory lock `audit-chain`; the others wait as standbys and
// take over when it dies. Commands never wait for it: appends stay as concurrent as before.

import type { Kysely } from 'kysely'
import type { Logger } from 'pino'
import { type Database, isEmbedded } from '../db/database.js'
import { listen, type Unlisten } from '../db/listen.js'
import { ifSessionLockFree } from '../db/session-lock.js'
import type { DB } from '../db/tables.js'
import { EVENTS_CHANNEL } from '../eventstore/announce.js'
import { encodePosition } from '../eventstore/position.js'
import { readLog } from '../eventstore/reader.js'
import { GENESIS } from './canonical.js'
import {
  appendLinks,
  type ChainHead,
  latestHead,
  linkEvents,
  readChainHead,
  recordHead,
} from './chain.js'
import type { SigningKey } from './signing.js'

export const CHAIN_LOCK = 'audit-chain'

export interface ChainWriterOptions {
  key: SigningKey | undefined
  headIntervalMs: number
  batchSize?: number
  /** Fallback poll (and a standby's look at the lock), for notifications lost while reconnecting. */
  pollMs?: number
  log?: Pick<Logger, 'error' | 'info'>
  clock?: () => Date
}

/** Chains every event readable now after the chain's head; the new head. */
export async function extendChain(db: Kysely<DB>, batchSize = 1000): Promise<ChainHead> {
  let head = await readChainHead(db)
  for (;;) {
    const events = await readLog(db, { after: head.position, limit: batchSize })
    if (events.length === 0) return head
    const links = linkEvents(head, events)
    // Another writer got there first: start again from what it wrote.
    if (!(await appendLinks(db, head, links))) head = await readChainHead(db)
    else head = { position: links.at(-1)!.position, hash: links.at(-1)!.hash }
  }
}

export class ChainWriter {
  private wake: (() => void) | undefined
  private pending = true
  private stopped = false
  private loop: Promise<void> | undefined
  private unlisten: Unlisten | undefined
  private failure: Error | undefined
  private signedAt = 0
  private signNow = false

  constructor(
    private readonly database: Database,
    private readonly options: ChainWriterOptions,
  ) {}

  async start(): Promise<void> {
    this.unlisten = await listen(this.database, EVENTS_CHANNEL, () => this.kick())
    this.loop = this.run()
  }

  get error(): Error | undefined {
    return this.failure
  }

  kick(): void {
    this.pending = true
    this.wake?.()
  }

  /** Asks for a signed head at the next step (on demand). */
  signSoon(): void {
    this.signNow = true
    this.kick()
  }

  async stop(): Promise<void> {
    this.stopped = true
    this.wake?.()
    await this.loop
    await this.unlisten?.()
  }

  private async run(): Promise<void> {
    try {
      const db = this.database.db
      while (!this.stopped) {
        // Embedded: this process alone opens the database; no lock to take.
        if (isEmbedded(db)) await this.follow(db)
        else await ifSessionLockFree(db, CHAIN_LOCK, (conn) => this.follow(conn))
        await this.idle()
      }
    } catch (err) {
      this.failure = err as Error
      this.options.log?.error({ err }, 'audit chain writer stopped')
    }
  }

  private idle(): Promise<void> {
    if (this.pending || this.stopped) return Promise.resolve()
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, this.options.pollMs ?? 1000)
      this.wake = () => {
        clearTimeout(timer)
        resolve()
      }
    }).finally(() => {
      this.wake = undefined
    })
  }

  /** The leader's loop, on its pinned connection: extend, sign when due, wait for news. */
  private async follow(db: Kysely<DB>): Promise<void> {
    let signed = (await latestHead(db))?.position
    while (!this.stopped) {
      this.pending = false
      const head = await extendChain(db, this.options.batchSize)
      const clock = this.options.clock ?? (() => new Date())
      const now = clock()
      const due = now.getTime() - this.signedAt >= this.options.headIntervalMs
      const chained = head.hash !== GENESIS
      const moved = chained && signed !== encodePosition(head.position)
      if ((due && moved) || (this.signNow && chained)) {
        this.signNow = false
        signed = (await recordHead(db, this.options.key, head, now)).position
        this.signedAt = now.getTime()
      }
      await this.idle()
    }
  }
}
