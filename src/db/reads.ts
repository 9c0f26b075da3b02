// How a query function runs the statement a route reads. A read is defined once (`ReadDef`): a key
// naming its statement's shape and a build of that statement from its values. The statement is
// compiled once per key, with markers where the values go, and runs on PostgreSQL as a named
// prepared statement: per request, neither Kysely nor the server parses or plans it again.
// A route runs its reads directly, or (for a signed-in caller, src/http/plugins/consistency.ts)
// wrapped with the lookup that makes them reflect the caller's own writes, in the same round trip.
import { createHash } from 'node:crypto'
import type { CompiledQuery, Kysely, SelectQueryBuilder } from 'kysely'
import { CompiledQuery as Compiled } from 'kysely'
import { poolOf } from './database.js'
import type { DB } from './tables.js'

// biome-ignore lint/suspicious/noExplicitAny: any table set of DB, as the query functions build it
export type ReadQuery<R> = SelectQueryBuilder<DB, any, R>

export interface ReadDef<V extends object, R> {
  /** Names the statement's shape: two reads with one key must build the same SQL. */
  key: string
  /**
   * The statement, from `values` alone: it runs once, with markers for the values, and its SQL is
   * kept for every later read of this key. Whatever changes the SQL's shape belongs in the key.
   */
  build: (db: Kysely<DB>, values: V) => ReadQuery<R>
}

export type ReadRows = <V extends object, R>(
  db: Kysely<DB>,
  def: ReadDef<V, R>,
  values: V,
) => Promise<R[]>

type Slot = { value: string } | { constant: unknown }

interface Statement {
  name: string
  sql: string
  slots: Slot[]
}

const VALUE = Symbol('value')
type Marker = { readonly [VALUE]: string }
const isMarker = (p: unknown): p is Marker => typeof p === 'object' && p !== null && VALUE in p

const statements = new Map<string, Statement>()

/** Compiles with a marker in place of each value `compile` reads, and keeps where each one went. */
function template(key: string, compile: (values: object) => CompiledQuery): Statement {
  const markers = new Map<string, Marker>()
  const values = new Proxy(
    {},
    {
      get(_target, name) {
        if (typeof name !== 'string') return undefined
        const marker = markers.get(name) ?? Object.freeze({ [VALUE]: name })
        markers.set(name, marker)
        return marker
      },
    },
  )
  const { sql, parameters } = compile(values)
  const slots = parameters.map((p): Slot => (isMarker(p) ? { value: p[VALUE] } : { constant: p }))
  for (const name of markers.keys()) {
    if (!slots.some((s) => 'value' in s && s.value === name)) {
      // The value went into the SQL's shape (a branch, arithmetic), not into a parameter.
      throw new Error(`read ${key}: value ${name} is not a parameter of its statement`)
    }
  }
  const name = `rl_${createHash('sha256').update(sql).digest('hex').slice(0, 32)}`
  return { name, sql, slots }
}

/**
 * Runs the statement `compile` makes, compiled once for `key` (a key names one shape: see
 * ReadDef), with `values` as its parameters. On PostgreSQL a named prepared statement, named by
 * its SQL, so that the server plans it once per connection; embedded, the same SQL and parameters.
 */
export async function runStatement<R>(
  db: Kysely<DB>,
  key: string,
  compile: (values: object) => CompiledQuery,
  values: object,
): Promise<R[]> {
  let statement = statements.get(key)
  if (!statement) {
    statement = template(key, compile)
    statements.set(key, statement)
  }
  const byName = values as Record<string, unknown>
  const parameters = statement.slots.map((s) => ('value' in s ? byName[s.value] : s.constant))
  const pool = poolOf(db)
  if (pool) {
    const result = await pool.query({
      name: statement.name,
      text: statement.sql,
      values: parameters,
    })
    return result.rows as R[]
  }
  return (await db.executeQuery<R>(Compiled.raw(statement.sql, parameters))).rows
}

/** No consistency wait: the rows as the statement returns them. */
export const directRows: ReadRows = (db, def, values) =>
  runStatement(db, def.key, (v) => def.build(db, v as never).compile(), values)

/**
 * A read with optional filters: one ReadDef, so one statement, per combination of the filters
 * present. `build` may branch on `has` (the shape), never on the values.
 */
export function readsByFilters<const F extends readonly string[], V extends object, R>(
  key: string,
  filters: F,
  build: (has: Record<F[number], boolean>, db: Kysely<DB>, values: V) => ReadQuery<R>,
): (present: Record<F[number], boolean>) => ReadDef<V, R> {
  const defs = new Map<number, ReadDef<V, R>>()
  return (present) => {
    let shape = 0
    for (const [i, f] of filters.entries()) if (present[f as F[number]]) shape |= 1 << i
    let def = defs.get(shape)
    if (!def) {
      const on = filters.filter((_, i) => shape & (1 << i))
      const has = Object.fromEntries(filters.map((f) => [f, on.includes(f)])) as Record<
        F[number],
        boolean
      >
      def = { key: `${key}, filtered by [${on.join(' ')}]`, build: (db, v) => build(has, db, v) }
      defs.set(shape, def)
    }
    return def
  }
}
