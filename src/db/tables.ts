// The Database type Kysely checks queries against, as a code generator would write it from the
// migrations. Tables are grouped by owner: the event store, the command side's state (written in
// the append's transaction), and the projections' read models.
import type { ColumnType, Generated, Insertable, Selectable } from 'kysely'

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>

export interface EventsTable {
  global_position: Generated<number>
  event_id: string
  stream_id: string
  stream_version: number
  type: string
  data: ColumnType<unknown, string, never>
  metadata: ColumnType<Record<string, unknown>, string, never>
  recorded_at: ColumnType<Date, Date | string | undefined, never>
  /** xid8, as text: compared and ordered in SQL only */
  transaction_id: ColumnType<string, never, never>
}

export interface StreamsTable {
  stream_id: string
  version: number
  state: ColumnType<unknown, string, string>
  updated_at: Timestamp
}

export interface DB {
  events: EventsTable
  streams: StreamsTable
}

export type EventRow = Selectable<EventsTable>
export type NewEventRow = Insertable<EventsTable>
