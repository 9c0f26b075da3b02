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

export interface DB extends ReadModelTables {
  events: EventsTable
  streams: StreamsTable
  users: UsersTable
  book_covers: BookCoversTable
  rental_voids: RentalVoidsTable
  book_titles: BookTitlesTable
  rental_streams: RentalStreamsTable
  idempotency_keys: IdempotencyKeysTable
  refresh_tokens: RefreshTokensTable
  relay_cursors: RelayCursorsTable
  bus_keys: BusKeysTable
}

export interface BusKeysTable {
  stream: string
  key: Buffer
  created_at: Generated<Date>
}

export interface RelayCursorsTable {
  stream: string
  transaction_id: ColumnType<string, string, string>
  global_position: number
  stream_sequence: number
  updated_at: Timestamp
}

export type EventRow = Selectable<EventsTable>
export type NewEventRow = Insertable<EventsTable>

export interface UsersTable {
  user_id: string
  username: string
  email: string | null
  password_hash: string
  role: 'user' | 'staff'
  name: OptionalText
  phone: OptionalText
  address: OptionalText
  created_at: Timestamp
}

type OptionalText = ColumnType<string | null, string | null | undefined, string | null>

/** Rentals voided by staff: the claim that makes a void happen once. */
export interface RentalVoidsTable {
  rental_id: string
  voided_at: Timestamp
}

/** Uploaded book covers, content-addressed: the BookCoverUploaded event names one by its hash. */
export interface BookCoversTable {
  sha256: string
  content_type: 'image/png' | 'image/jpeg' | 'image/webp'
  bytes: Uint8Array
  created_at: Timestamp
}

export interface BookTitlesTable {
  book_id: string
  title_key: string
}

export interface RentalStreamsTable {
  rental_id: string
  book_id: string
  user_id: string
}

export interface IdempotencyKeysTable {
  user_id: string
  key: string
  request_hash: string
  status_code: number
  response: ColumnType<unknown, string, string>
  created_at: Timestamp
}

export interface RefreshTokensTable {
  token_hash: string
  user_id: string
  family_id: string
  expires_at: Timestamp
  used_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>
  revoked_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>
  created_at: Timestamp
}

// Read models. Each projection owns a PostgreSQL schema of its own (see projections/), so that a
// replay can build a fresh copy beside the live one and swap the two atomically.
export interface CheckpointTable {
  id: Generated<number>
  transaction_id: ColumnType<string, string, string>
  global_position: number
  updated_at: Timestamp
}

export interface StreamVersionsTable {
  stream_id: string
  version: number
}

export interface ReadBooksTable {
  book_id: string
  title: string
  author: string
  description: string
  book_type: 'regular' | 'fiction' | 'novel'
  copies: number
  copies_out: number
  added_at: Timestamp
  isbn: string | null
  cover_url: string | null
  cover_sha256: string | null
  retired: boolean
}

export interface ReadAccountsTable {
  user_id: string
  charged_cents: number
  paid_cents: number
  /** the latest time a charge or payment was posted: asOf at or after it can use the totals */
  last_posted_at: ColumnType<Date | null, Date | string | null, Date | string | null>
}

export interface ReadRentalsTable {
  rental_id: string
  book_id: string
  user_id: string
  plan: 'v1' | 'v2' | 'v3'
  book_type: 'regular' | 'fiction' | 'novel'
  rented_at: Timestamp
  returned_at: ColumnType<Date | null, Date | string | null, Date | string | null>
  charge_cents: number | null
}

export interface ReadPaymentsTable {
  payment_id: string
  user_id: string
  amount_cents: number
  reference: string | null
  recorded_at: Timestamp
  recorded_by: string | null
}

/** Tables as seen through `db.withSchema(<projection schema>)`. */
export interface ReadModelTables {
  checkpoint: CheckpointTable
  stream_versions: StreamVersionsTable
  books: ReadBooksTable
  accounts: ReadAccountsTable
  rentals: ReadRentalsTable
  payments: ReadPaymentsTable
}
