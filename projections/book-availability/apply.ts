// SQL: the book-availability read model, one row per book with its copies and copies out.
import { type Kysely, sql, type Transaction } from 'kysely'
import type { DB } from '../../src/db/tables.js'
import type { BookEvent } from '../../src/domain/events.js'
import type { StoredEvent } from '../../src/eventstore/reader.js'
import type { Projection } from '../../src/projector/projection.js'
import { evolve } from './evolve.js'

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
      added_at timestamptz NOT NULL
    )`.execute(db)
  await sql`CREATE INDEX ON ${sql.id(schema, 'books')} (title, book_id)`.execute(db)
}

async function apply(db: Transaction<DB> | Kysely<DB>, events: readonly StoredEvent[]) {
  for (const e of events) {
    const change = evolve(e as unknown as BookEvent)
    switch (change.kind) {
      case 'insert': {
        const r = change.row
        await db
          .insertInto('books')
          .values({
            book_id: r.bookId,
            title: r.title,
            author: r.author,
            description: r.description,
            book_type: r.bookType,
            copies: r.copies,
            copies_out: 0,
            added_at: r.addedAt,
          })
          .execute()
        break
      }
      case 'update': {
        const { title, author, description, bookType, copies } = change.set
        await db
          .updateTable('books')
          .set({
            ...(title !== undefined && { title }),
            ...(author !== undefined && { author }),
            ...(description !== undefined && { description }),
            ...(bookType !== undefined && { book_type: bookType }),
            ...(copies !== undefined && { copies }),
          })
          .where('book_id', '=', change.bookId)
          .execute()
        break
      }
      case 'out':
        await db
          .updateTable('books')
          .set({ copies_out: sql`copies_out + ${change.delta}` })
          .where('book_id', '=', change.bookId)
          .execute()
        break
    }
  }
}

export const bookAvailability: Projection = {
  name: 'book-availability',
  schema: 'proj_book_availability',
  categories: ['book'],
  createTables,
  apply,
}
