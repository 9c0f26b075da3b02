// What routes read from the book-availability read model.
import { type Kysely, sql } from 'kysely'
import { directRows, type ReadDef, type ReadRows, readsByFilters } from '../../src/db/reads.js'
import type { DB, ReadBooksTable } from '../../src/db/tables.js'
import type { BookType } from '../../src/domain/pricing.js'
import type { BookView as Book } from '../../src/domain/views.js'
import { bookAvailability } from './apply.js'

export type { BookView as Book } from '../../src/domain/views.js'

type Row = Pick<
  ReadBooksTable,
  'title' | 'author' | 'description' | 'copies' | 'copies_out' | 'isbn' | 'cover_url' | 'retired'
> & {
  book_id: string
  book_type: BookType
}

const toBook = (r: Row): Book => ({
  id: r.book_id,
  title: r.title,
  author: r.author,
  description: r.description,
  type: r.book_type,
  copies: r.copies,
  available: r.copies - r.copies_out,
  isbn: r.isbn,
  coverUrl: r.cover_url,
  retired: r.retired,
})

const books = (db: Kysely<DB>) => db.withSchema(bookAvailability.schema).selectFrom('books')
const columns = [
  'book_id',
  'title',
  'author',
  'description',
  'book_type',
  'copies',
  'copies_out',
  'isbn',
  'cover_url',
  'retired',
] as const

const byId: ReadDef<{ id: string }, Row> = {
  key: 'book-availability: book by id',
  build: (db, v) => books(db).select(columns).where('book_id', '=', v.id),
}

export async function getBook(
  db: Kysely<DB>,
  id: string,
  read: ReadRows = directRows,
): Promise<Book | undefined> {
  const [row] = await read(db, byId, { id })
  return row && toBook(row)
}

export interface BookFilter {
  type?: BookType
  /** in the title or the author, any case */
  q?: string
  /** in the title, any case */
  title?: string
  /** in the author, any case */
  author?: string
  available?: boolean
  /** the (title, id) of the last book of the previous page */
  after?: readonly [string, string]
  limit: number
}

/** An ILIKE pattern matching any text that contains `text` as it is (no wildcards of its own). */
const containing = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`

interface ListValues {
  type?: BookType
  q?: string
  title?: string
  author?: string
  afterTitle?: string
  afterId?: string
  limit: number
}

const listing = readsByFilters(
  'book-availability: books listed',
  ['type', 'available', 'q', 'title', 'author', 'after'],
  (has, db, v: ListValues) => {
    // Retired books leave listings (their own page still answers).
    let q = books(db).select(columns).where('retired', '=', false)
    if (has.type) q = q.where('book_type', '=', v.type!)
    if (has.available) q = q.where(sql<boolean>`copies > copies_out`)
    if (has.q) q = q.where((eb) => eb.or([eb('title', 'ilike', v.q!), eb('author', 'ilike', v.q!)]))
    if (has.title) q = q.where('title', 'ilike', v.title!)
    if (has.author) q = q.where('author', 'ilike', v.author!)
    if (has.after) {
      q = q.where(sql<boolean>`(title, book_id) > (${v.afterTitle}, ${v.afterId}::uuid)`)
    }
    return q.orderBy('title').orderBy('book_id').limit(v.limit)
  },
)

/** Books by title, then id; `limit + 1` rows so the caller can tell if there is a next page. */
export async function listBooks(
  db: Kysely<DB>,
  f: BookFilter,
  read: ReadRows = directRows,
): Promise<Book[]> {
  const present = {
    type: !!f.type,
    available: !!f.available,
    q: !!f.q,
    title: !!f.title,
    author: !!f.author,
    after: !!f.after,
  }
  const rows = await read(db, listing(present), {
    type: f.type,
    q: f.q ? containing(f.q) : undefined,
    title: f.title ? containing(f.title) : undefined,
    author: f.author ? containing(f.author) : undefined,
    afterTitle: f.after?.[0],
    afterId: f.after?.[1],
    limit: f.limit + 1,
  })
  return rows.map(toBook)
}

export interface Cover {
  sha256: string
  contentType: string
  bytes: Buffer
}

/** The book's uploaded cover, if its coverUrl is one: the image from the content-addressed store. */
export async function getCover(db: Kysely<DB>, bookId: string): Promise<Cover | undefined> {
  const row = await books(db)
    .innerJoin(sql.table('public.book_covers').as('c'), (j) =>
      j.onRef(sql.ref('c.sha256'), '=', sql.ref('books.cover_sha256')),
    )
    .select([
      sql<string>`c.sha256`.as('sha256'),
      sql<string>`c.content_type`.as('content_type'),
      sql<Buffer>`c.bytes`.as('bytes'),
    ])
    .where('books.book_id', '=', bookId)
    .executeTakeFirst()
  return row && { sha256: row.sha256, contentType: row.content_type, bytes: Buffer.from(row.bytes) }
}
