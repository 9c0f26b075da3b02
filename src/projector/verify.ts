// `verify`: every projection rebuilt from the log into a scratch schema and compared with the live
// one at the same checkpoint, table by table, with EXCEPT ALL both ways (duplicates count).
import { setTimeout as sleep } from 'node:timers/promises'
import { type Kysely, sql } from 'kysely'
import type { DB } from '../db/tables.js'
import { comparePositions, encodePosition } from '../eventstore/position.js'
import { readCheckpoint, withProjectionLocked } from './apply-batch.js'
import type { Projection } from './projection.js'
import {
  catchUpIn,
  dropSchema,
  type RebuildOptions,
  rebuildInto,
  scratchSchemaName,
  withScratchToken,
} from './rebuild.js'

/** Rows printed per table and direction; the counts are always complete. */
export const MAX_ROWS = 20

export type Row = Record<string, unknown>

export interface TableDiff {
  table: string
  /** Set when the table itself, or its columns, differ: no rows are compared then. */
  problem?: string
  onlyInLive: Row[]
  onlyInRebuild: Row[]
  onlyInLiveCount: number
  onlyInRebuildCount: number
}

export interface ProjectionVerdict {
  projection: string
  /** 'lagging': the live read model stayed behind the log's head past the deadline. */
  status: 'equal' | 'different' | 'lagging'
  /** The checkpoint compared at (equal, different) or the live one that lagged. */
  position: string
  diffs: TableDiff[]
}

export interface VerifyResult {
  ok: boolean
  projections: ProjectionVerdict[]
}

export interface VerifyOptions extends Omit<RebuildOptions, 'onProgress'> {
  /** How long to wait for a live read model behind the rebuild to catch up. */
  lagDeadlineMs?: number
  pollMs?: number
  onProgress?: (projection: Projection, events: number) => void | Promise<void>
}

export async function verifyProjections(
  db: Kysely<DB>,
  projections: readonly Projection[],
  options: VerifyOptions = {},
): Promise<VerifyResult> {
  const verdicts: ProjectionVerdict[] = []
  for (const p of projections) verdicts.push(await verifyOne(db, p, options))
  return { ok: verdicts.every((v) => v.status === 'equal'), projections: verdicts }
}

async function verifyOne(
  db: Kysely<DB>,
  projection: Projection,
  options: VerifyOptions,
): Promise<ProjectionVerdict> {
  return withScratchToken(db, (token) =>
    verifyInto(db, projection, options, scratchSchemaName(projection, 'v', token)),
  )
}

async function verifyInto(
  db: Kysely<DB>,
  projection: Projection,
  options: VerifyOptions,
  scratch: string,
): Promise<ProjectionVerdict> {
  try {
    await rebuildInto(db, projection, scratch, {
      pageSize: options.pageSize,
      onProgress: (n) => options.onProgress?.(projection, n),
    })
    const deadline = Date.now() + (options.lagDeadlineMs ?? 10_000)
    for (;;) {
      const verdict = await withProjectionLocked(
        db,
        projection.schema,
        async (conn): Promise<ProjectionVerdict> => {
          // The live read model cannot move while we hold its lock: both sides stand still.
          const live = await readCheckpoint(conn, projection.schema)
          const position = encodePosition(live)
          const rebuilt = await readCheckpoint(conn, scratch)
          if (comparePositions(rebuilt, live) > 0) {
            return { projection: projection.name, status: 'lagging', position, diffs: [] }
          }
          // Exactly to the live checkpoint: an event past it would be a difference of timing
          // only. A short transaction; the comparison after it writes nothing.
          const at = await conn
            .transaction()
            .execute((trx) => catchUpIn(trx, projection, scratch, live, options.pageSize))
          if (comparePositions(at, live) !== 0) {
            throw new Error(`verify: ${projection.name} rebuild stopped at ${encodePosition(at)}`)
          }
          const diffs = await compareSchemas(conn, projection.schema, scratch)
          const status = diffs.length ? 'different' : 'equal'
          return { projection: projection.name, status, position, diffs }
        },
      )
      // Lagging: let its workers catch up to the rebuild (outside the lock), up to the deadline.
      if (verdict.status !== 'lagging' || Date.now() >= deadline) return verdict
      await sleep(options.pollMs ?? 200)
    }
  } finally {
    await dropSchema(db, scratch)
  }
}

/** Every table but the checkpoint, compared both ways; only the tables that differ. */
export async function compareSchemas(
  db: Kysely<DB>,
  live: string,
  rebuild: string,
): Promise<TableDiff[]> {
  const liveTables = await columnsByTable(db, live)
  const rebuildTables = await columnsByTable(db, rebuild)
  const names = [...new Set([...liveTables.keys(), ...rebuildTables.keys()])].sort()
  const diffs: TableDiff[] = []
  for (const table of names) {
    if (table === 'checkpoint') continue
    const l = liveTables.get(table)
    const r = rebuildTables.get(table)
    const empty = {
      table,
      onlyInLive: [],
      onlyInRebuild: [],
      onlyInLiveCount: 0,
      onlyInRebuildCount: 0,
    }
    if (!l || !r) {
      diffs.push({ ...empty, problem: `table only in ${l ? 'live' : 'rebuild'}` })
    } else if (l.join() !== r.join()) {
      diffs.push({ ...empty, problem: `columns differ: live (${l}) rebuild (${r})` })
    } else {
      const onlyInLive = await except(db, [live, rebuild], table, l)
      const onlyInRebuild = await except(db, [rebuild, live], table, l)
      if (onlyInLive.count || onlyInRebuild.count) {
        diffs.push({
          table,
          onlyInLive: onlyInLive.rows,
          onlyInRebuild: onlyInRebuild.rows,
          onlyInLiveCount: onlyInLive.count,
          onlyInRebuildCount: onlyInRebuild.count,
        })
      }
    }
  }
  return diffs
}

async function columnsByTable(db: Kysely<DB>, schema: string): Promise<Map<string, string[]>> {
  const { rows } = await sql<{ table_name: string; column_name: string }>`
    SELECT c.table_name, c.column_name
      FROM information_schema.columns c
      JOIN information_schema.tables t USING (table_schema, table_name)
     WHERE c.table_schema = ${schema} AND t.table_type = 'BASE TABLE'
     ORDER BY c.table_name, c.column_name`.execute(db)
  const out = new Map<string, string[]>()
  for (const r of rows) out.set(r.table_name, [...(out.get(r.table_name) ?? []), r.column_name])
  return out
}

/** Rows of `a.table` not in `b.table`, counting duplicates: the first MAX_ROWS and how many. */
async function except(
  db: Kysely<DB>,
  [a, b]: [string, string],
  table: string,
  columns: string[],
): Promise<{ rows: Row[]; count: number }> {
  const cols = sql.join(columns.map((c) => sql.id(c)))
  const diff = sql`SELECT ${cols} FROM ${sql.id(a, table)} EXCEPT ALL SELECT ${cols} FROM ${sql.id(b, table)}`
  const rows = await sql<Row>`SELECT * FROM (${diff}) d ORDER BY 1 LIMIT ${MAX_ROWS}`.execute(db)
  if (rows.rows.length < MAX_ROWS) return { rows: rows.rows, count: rows.rows.length }
  const count = await sql<{ n: number }>`SELECT count(*) AS n FROM (${diff}) d`.execute(db)
  return { rows: rows.rows, count: count.rows[0]!.n }
}
