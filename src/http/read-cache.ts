// Reads of anonymous callers, kept in memory per read model and position. A caller who is not
// signed in has no own writes to wait for: what they may be answered is any state of the read model
// at or after its position as this process knows it (and, with ?minPosition, that wait is made
// before). So rows read at position P answer every such read of the same statement and values
// while the read model stays at P: its progress notification (ProjectionProgress) drops them all.
// A lost notification (the LISTEN connection reconnecting) must not keep rows forever, so an entry
// also expires after MAX_AGE_MS.
import type { Kysely } from 'kysely'
import type { ReadRows } from '../db/reads.js'
import type { DB } from '../db/tables.js'
import { comparePositions, type Position } from '../eventstore/position.js'
import type { ProjectionProgress } from '../projector/progress.js'

const MAX_AGE_MS = 1000
/** Distinct reads kept per read model (the values come from clients): beyond, all are dropped. */
const MAX_ENTRIES = 1000

interface Generation {
  position: Position
  entries: Map<string, { at: number; rows: Promise<unknown[]> }>
}

export class ReadCache {
  private readonly generations = new Map<string, Generation>()

  constructor(
    private readonly progress: Pick<ProjectionProgress, 'position'>,
    private readonly read: ReadRows,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Reads through the cache of `readModel`. The rows are shared: callers must not change them. */
  rows(readModel: string): ReadRows {
    return async (db: Kysely<DB>, def, values) => {
      const position = this.progress.position(readModel)
      let generation = this.generations.get(readModel)
      if (!generation || comparePositions(generation.position, position) !== 0) {
        generation = { position, entries: new Map() }
        this.generations.set(readModel, generation)
      }
      const { entries } = generation
      const key = `${def.key}\u0000${JSON.stringify(values)}`
      const now = this.now()
      const hit = entries.get(key)
      if (hit && now - hit.at < MAX_AGE_MS) return hit.rows as Promise<never[]>
      if (entries.size >= MAX_ENTRIES) entries.clear()
      const rows = this.read(db, def, values)
      entries.set(key, { at: now, rows })
      // A failed read is not kept: the next caller tries again.
      rows.catch(() => {
        if (entries.get(key)?.rows === rows) entries.delete(key)
      })
      return rows
    }
  }
}
