// SQL: the book-availability read model, one row per book with its copies and copies out.
// A batch is folded in memory first (evolve.ts says what each event does), then written with at
// most two set-based writes, in one statement, whatever the number of events.
import { type Kysely, sql, type Transaction } from 'kysely'
import { insertFrom, recordset } from '../../src/db/recordset.js'
import type { DB } from '../../src/db/tables.js'
import type { BookEvent } from '../../src/domain/events.js'
import type { BookType } from '../../src/domain/pricing.js'
import type { StoredEvent } from '../../src/eventstore/reader.js'
import type {
  BulkEvent,
  BulkLoad,
  BulkOut,
  BulkTable,
  Projection,
} from '../../src/projector/projection.js'
import { type BookRowChange, evolve } from './evolve.js'

async function createTables(db: Kysely<DB>, schema: string): Promise<void> {
  await sql`
    CREATE TABLE ${sql.id(schema, 'books')} (
      book_id uuid PRIMARY KEY,
      title text NOT NULL,
      author text NOT NULL,
      description text NOT NULL,
      book_type text NOT NULL,
      copies integer NOT NULL,
      copies_out integer NOT NULL DEFAULT 0 CHECK (copies_out >= 0),
      added_at timestamptz NOT NULL,
      isbn text,
      cover_url text,
      cover_sha256 text,
      retired boolean NOT NULL DEFAULT false
    )`.execute(db)
  await sql`CREATE INDEX ON ${sql.id(schema, 'books')} (title, book_id)`.execute(db)
}

interface NewBook {
  book_id: string
  title: string
  author: string
  description: string
  book_type: BookType
  copies: number
  copies_out: number
  added_at: string
  isbn: string | null
  cover_url: string | null
  cover_sha256: string | null
  retired: boolean
}

/** Changes to a book that existed before the batch: fields set (null: unchanged), copies out moved. */
interface BookDelta {
  book_id: string
  title: string | null
  author: string | null
  description: string | null
  book_type: BookType | null
  copies: number | null
  isbn: string | null
  cover_url: string | null
  cover_sha256: string | null
  retired: boolean | null
  /** isbn, cover_url and cover_sha256 may be set to null: these say which were set */
  set_isbn: boolean
  set_cover: boolean
  out_delta: number
}

const BOOK_FIELDS = {
  book_id: 'uuid',
  title: 'text',
  author: 'text',
  description: 'text',
  book_type: 'text',
  copies: 'integer',
} as const
const NULLABLE_FIELDS = {
  isbn: 'text',
  cover_url: 'text',
  cover_sha256: 'text',
  retired: 'boolean',
} as const
const NEW_BOOK = {
  ...BOOK_FIELDS,
  ...NULLABLE_FIELDS,
  copies_out: 'integer',
  added_at: 'timestamptz',
} as const
const BOOK_DELTA = {
  ...BOOK_FIELDS,
  ...NULLABLE_FIELDS,
  set_isbn: 'boolean',
  set_cover: 'boolean',
  out_delta: 'integer',
} as const

/** The batch's net effect: books it adds (in their final state) and changes to older books. */
export function foldBooks(changes: readonly BookRowChange[]): FoldedBooks {
  const folder = bookFolder()
  for (const change of changes) folder.add(change)
  return folder.result()
}

interface FoldedBooks {
  added: NewBook[]
  changed: BookDelta[]
}

/** foldBooks one change at a time (a replay folds the whole log so). */
function bookFolder() {
  const added = new Map<string, NewBook>()
  const changed = new Map<string, BookDelta>()
  const target = (bookId: string): NewBook | BookDelta => {
    const row = added.get(bookId) ?? changed.get(bookId)
    if (row) return row
    const delta: BookDelta = {
      book_id: bookId,
      title: null,
      author: null,
      description: null,
      book_type: null,
      copies: null,
      isbn: null,
      cover_url: null,
      cover_sha256: null,
      retired: null,
      set_isbn: false,
      set_cover: false,
      out_delta: 0,
    }
    changed.set(bookId, delta)
    return delta
  }
  const add = (change: BookRowChange) => {
    switch (change.kind) {
      case 'insert': {
        const r = change.row
        added.set(r.bookId, {
          book_id: r.bookId,
          title: r.title,
          author: r.author,
          description: r.description,
          book_type: r.bookType,
          copies: r.copies,
          copies_out: 0,
          added_at: r.addedAt,
          isbn: r.isbn ?? null,
          cover_url: r.coverUrl ?? null,
          cover_sha256: null,
          retired: false,
        })
        break
      }
      case 'update': {
        const row = target(change.bookId)
        const { title, author, description, bookType, copies, isbn, retired } = change.set
        const { coverUrl, coverSha256 } = change.set
        if (title !== undefined) row.title = title
        if (author !== undefined) row.author = author
        if (description !== undefined) row.description = description
        if (bookType !== undefined) row.book_type = bookType
        if (copies !== undefined) row.copies = copies
        if (retired !== undefined) row.retired = retired
        if (isbn !== undefined) {
          row.isbn = isbn
          if ('set_isbn' in row) row.set_isbn = true
        }
        if (coverUrl !== undefined) {
          row.cover_url = coverUrl
          row.cover_sha256 = coverSha256 ?? null
          if ('set_cover' in row) row.set_cover = true
        }
        break
      }
      case 'out': {
        const row = target(change.bookId)
        if ('copies_out' in row) row.copies_out += change.delta
        else row.out_delta += change.delta
        break
      }
    }
  }
  return {
    add,
    result: (): FoldedBooks => ({ added: [...added.values()], changed: [...changed.values()] }),
  }
}

const change = (e: BulkEvent) => evolve(e as unknown as BookEvent)

function apply(db: Transaction<DB> | Kysely<DB>, events: readonly StoredEvent[]) {
  return write(db, foldBooks(events.map(change)))
}

/** Replay: the whole log folded, books loaded in their final state; the rest written as usual. */
function bulk(out: BulkOut): BulkLoad {
  const folder = bookFolder()
  return {
    add: (e) => folder.add(change(e)),
    finish() {
      const { added, changed } = folder.result()
      for (const row of added) out(BOOKS, row)
      return { rest: (db) => write(db, { added: [], changed }) }
    },
  }
}
const BOOKS: BulkTable = { table: 'books', columns: NEW_BOOK }

async function write(db: Transaction<DB> | Kysely<DB>, { added, changed }: FoldedBooks) {
  // One statement: the two writes touch different rows (books added now, books from before).
  await db
    .with('added', (qb) => insertFrom(qb, 'books', NEW_BOOK, added))
    .with('changed', (qb) =>
      qb
        .updateTable('books')
        .from(recordset('x', BOOK_DELTA, changed))
        .set((eb) => ({
          title: eb.fn.coalesce('x.title', 'books.title'),
          author: eb.fn.coalesce('x.author', 'books.author'),
          description: eb.fn.coalesce('x.description', 'books.description'),
          book_type: eb.fn.coalesce('x.book_type', 'books.book_type'),
          copies: eb.fn.coalesce('x.copies', 'books.copies'),
          retired: eb.fn.coalesce('x.retired', 'books.retired'),
          isbn: sql`CASE WHEN x.set_isbn THEN x.isbn ELSE books.isbn END`,
          cover_url: sql`CASE WHEN x.set_cover THEN x.cover_url ELSE books.cover_url END`,
          cover_sha256: sql`CASE WHEN x.set_cover THEN x.cover_sha256 ELSE books.cover_sha256 END`,
          copies_out: sql`books.copies_out + x.out_delta`,
        }))
        .whereRef('books.book_id', '=', 'x.book_id'),
    )
    .selectNoFrom(sql<number>`1`.as('done'))
    .execute()
}

export const bookAvailability: Projection = {
  name: 'book-availability',
  schema: 'proj_book_availability',
  categories: ['book'],
  createTables,
  apply,
  bulk,
}
