// The process's one writer of commands (DESIGN.md, "Commands in batches"), batching as TigerBeetle
// does: while flushes are in flight, commands queue; the next flush takes all of them that it may.
// No timer: at low load a command goes alone and at once. Several flushes may be in flight
// (COMMAND_FLUSHES_IN_FLIGHT), never on the same stream: a command whose stream a flush in flight
// holds waits for it, and so does every later command on a stream of a waiting one, so that each
// stream's commands are written in arrival order. A flush reads every stream its commands declared
// in one query, decides them in arrival order (each against the state the ones before it left),
// and writes every accepted command's events and side rows in one statement, one commit. Each
// caller gets its own answer, only after the commit.
import type { Kysely, Transaction } from 'kysely'
import type { DB } from '../db/tables.js'
import { DomainError } from '../domain/errors.js'
import { announceAppends } from '../eventstore/announce.js'
import { appendToStreams } from '../eventstore/append.js'
import { ConcurrencyError } from '../eventstore/errors.js'
import { loadStreams, type StreamSnapshot } from '../eventstore/streams.js'
import { commandBatchSize, concurrencyRetries, contentionExhausted } from '../metrics.js'
import type { CommandDefinition, CommandOptions, Decision, Streams, Unchanged } from './execute.js'
import { streamPosition } from './streams.js'

export interface Submission<R> {
  name: string
  definition: CommandDefinition<R>
  options: CommandOptions<R>
  clock: () => Date
}

interface Pending<R = unknown> extends Submission<R> {
  resolve(result: R): void
  reject(err: unknown): void
}

type Refused = { pending: Pending; refused: unknown }
type Left = { pending: Pending; unchanged: Unchanged<unknown> }
type Decided = { pending: Pending; decision: Decision<unknown> } | Left | Refused
type Answer = { pending: Pending; result: unknown } | Left | Refused

type Db = Kysely<DB> | Transaction<DB>

/** Rounds decided from a plain read; after them, a batch that keeps losing to another process
 * locks its streams first and so waits its turn instead of losing again (issue 15). */
const OPTIMISTIC_ROUNDS = 2
/** Rounds in all; beyond them the batch's commands are answered 503 (contention, not the domain). */
const MAX_ROUNDS = 8

const batchers = new WeakMap<Kysely<DB>, Batcher>()

/** The one batcher of a database handle, hence of a process; with `flushesInFlight`, at most that
 * many flushes in flight from now on (COMMAND_FLUSHES_IN_FLIGHT). */
export function batcherOf(db: Kysely<DB>, flushesInFlight?: number): Batcher {
  let batcher = batchers.get(db)
  if (!batcher) {
    batcher = new Batcher(db)
    batchers.set(db, batcher)
  }
  if (flushesInFlight !== undefined) batcher.flushesInFlight = flushesInFlight
  return batcher
}

/** The Idempotency-Key a command is claimed under, if any: one string per caller and key. */
function keyOf(p: Pending): string | undefined {
  const idem = p.options.idempotency
  return idem && JSON.stringify([idem.userId, idem.key])
}

export class Batcher {
  /** How many flushes may be in flight at once, on disjoint streams. */
  flushesInFlight = 1
  private queue: Pending[] = []
  private inFlight = 0
  /** The streams and Idempotency-Keys of the flushes in flight: no other flush may take them. */
  private readonly heldStreams = new Set<string>()
  private readonly heldKeys = new Set<string>()

  constructor(private readonly db: Kysely<DB>) {}

  /** Commands waiting for a flush. */
  get queued(): number {
    return this.queue.length
  }

  submit<R>(submission: Submission<R>): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ ...submission, resolve, reject } as Pending)
      this.pump()
    })
  }

  /** Starts flushes while there is room for one and something it may take. */
  private pump(): void {
    while (this.inFlight < this.flushesInFlight && this.queue.length > 0) {
      const batch = this.take()
      if (batch.length === 0) return
      void this.run(batch)
    }
  }

  /** Flushes `batch` holding its streams and keys, then lets the next flush start. */
  private async run(batch: Pending[]): Promise<void> {
    const streams = new Set(batch.flatMap((p) => p.definition.streams))
    const keys = batch.map(keyOf).filter((k) => k !== undefined)
    this.inFlight++
    for (const s of streams) this.heldStreams.add(s)
    for (const k of keys) this.heldKeys.add(k)
    try {
      await this.flush(batch)
    } catch (err) {
      // Not a command's outcome (those are settled inside): answer whoever is still waiting.
      for (const p of batch) p.reject(err)
    } finally {
      for (const s of streams) this.heldStreams.delete(s)
      for (const k of keys) this.heldKeys.delete(k)
      this.inFlight--
      this.pump()
    }
  }

  /**
   * What the next flush takes: every queued command, in arrival order, except those that must
   * wait. A command waits when a flush in flight holds one of its streams, or when a command
   * waiting before it touches one of them (each stream's commands stay in arrival order); and a
   * command under an Idempotency-Key already taken, in flight or waiting, waits too: the first
   * one's record then answers it (one effect, one replay), never a concurrent flush.
   */
  private take(): Pending[] {
    const blocked = new Set(this.heldStreams)
    const keys = new Set(this.heldKeys)
    const batch: Pending[] = []
    const later: Pending[] = []
    for (const p of this.queue) {
      const key = keyOf(p)
      const waits =
        (key !== undefined && keys.has(key)) || p.definition.streams.some((s) => blocked.has(s))
      if (waits) {
        later.push(p)
        for (const s of p.definition.streams) blocked.add(s)
      } else batch.push(p)
      if (key !== undefined) keys.add(key)
    }
    this.queue = later
    return batch
  }

  private async flush(batch: Pending[]): Promise<void> {
    commandBatchSize.observe(batch.length)
    for (let round = 1; ; round++) {
      try {
        const answers =
          round <= OPTIMISTIC_ROUNDS
            ? await this.round(this.db, batch, false)
            : await this.db.transaction().execute((trx) => this.round(trx, batch, true))
        if (answers.some((a) => 'result' in a)) void announceAppends(this.db)
        await this.settle(answers)
        return
      } catch (err) {
        if (err instanceof ConcurrencyError) {
          for (const p of batch) concurrencyRetries.inc({ command: p.name })
          if (round < MAX_ROUNDS) continue
          contentionExhausted.inc(batch.length)
          const busy = new DomainError(
            'CONCURRENCY_CONFLICT',
            `${err.streamId} kept changing under ${round} attempts; try again`,
          )
          for (const p of batch) p.reject(busy)
          return
        }
        if (batch.length === 1) return batch[0]!.reject(err)
        // The statement failed as a whole (a command's side row or event id already taken, or
        // the database): each command goes alone, so a command's failure is its own.
        for (const p of batch) await this.flush([p])
        return
      }
    }
  }

  /** Reads, decides and writes the batch once: each command's answer, to give once committed. */
  private async round(db: Db, batch: Pending[], lock: boolean): Promise<Answer[]> {
    const ids = [...new Set(batch.flatMap((p) => p.definition.streams))]
    const snapshots = await loadStreams(db, ids, { lock })
    const decided = batch.map((p) => decideOne(p, snapshots))
    const accepted = decided.filter((o) => 'decision' in o)
    const results = new Map<Pending, unknown>()
    if (accepted.length === 0) return decided as Answer[]
    const write = async (trx: Db) => {
      const appended = await appendToStreams(
        trx,
        accepted.flatMap((o) => o.decision.appends),
        {
          also: accepted.flatMap((o) => o.decision.also ?? []),
          recogniseRetries: accepted.length === 1,
        },
      ).catch((err) => {
        const which = uniqueViolation(err)
        const only = accepted.length === 1 ? accepted[0]!.decision : undefined
        throw (which !== undefined && only?.onUniqueViolation?.(which)) || err
      })
      for (const o of accepted) {
        const last = o.decision.appends.at(-1)!.events.at(-1)!
        results.set(o.pending, o.decision.result(appended.positions.get(last.eventId)!))
      }
      await remember(
        trx,
        [...results].map(([pending, result]) => ({ pending, result })),
      )
    }
    const idempotent = accepted.some((o) => o.pending.options.idempotency)
    if (idempotent && !lock) await db.transaction().execute(write)
    else await write(db)
    return decided.map((o) =>
      'decision' in o ? { pending: o.pending, result: results.get(o.pending) } : o,
    )
  }

  /** Answers each caller: its result, its refusal, or (unchanged) the stream's latest position. */
  private async settle(answers: Answer[]): Promise<void> {
    for (const a of answers) {
      if ('result' in a) a.pending.resolve(a.result)
      else if ('refused' in a) a.pending.reject(a.refused)
      else
        await answerUnchanged(this.db, a.pending, a.unchanged).then(
          a.pending.resolve,
          a.pending.reject,
        )
    }
  }
}

/** Decides one command against the batch's snapshots and, if it is accepted, moves them on. */
function decideOne(pending: Pending, snapshots: Map<string, StreamSnapshot<unknown>>): Decided {
  const declared = new Set(pending.definition.streams)
  const streams: Streams = {
    get<S>(streamId: string, initial: S) {
      const snap = declared.has(streamId) ? snapshots.get(streamId) : undefined
      if (!snap) throw new Error(`${pending.name} reads ${streamId} without declaring it`)
      return { streamId, version: snap.version, state: (snap.state as S | null) ?? initial }
    },
  }
  try {
    const decided = pending.definition.decide(streams, pending.clock())
    if ('unchangedAt' in decided) return { pending, unchanged: decided }
    for (const a of decided.appends) {
      snapshots.set(a.streamId, { version: a.expectedVersion + a.events.length, state: a.state })
    }
    return { pending, decision: decided }
  } catch (err) {
    return { pending, refused: err }
  }
}

async function answerUnchanged(db: Kysely<DB>, pending: Pending, unchanged: Unchanged<unknown>) {
  const result = unchanged.result(await streamPosition(db, unchanged.unchangedAt))
  await remember(db, [{ pending, result }])
  return result
}

/** The Idempotency-Key records of the commands that have one, written in their transaction. */
async function remember(db: Db, answered: { pending: Pending; result: unknown }[]): Promise<void> {
  const rows = answered.flatMap(({ pending, result }) => {
    const idem = pending.options.idempotency
    if (!idem) return []
    const response = idem.respond(result)
    return [
      {
        user_id: idem.userId,
        key: idem.key,
        request_hash: idem.requestHash,
        status_code: response.statusCode,
        response: JSON.stringify(response.body),
      },
    ]
  })
  if (rows.length > 0) await db.insertInto('idempotency_keys').values(rows).execute()
}

/** PostgreSQL's unique_violation, with the constraint or index that was violated. */
function uniqueViolation(err: unknown): string | undefined {
  const e = err as { code?: string; constraint?: string; detail?: string; message?: string }
  if (e?.code !== '23505') return undefined
  return e.constraint ?? e.detail ?? e.message ?? ''
}
