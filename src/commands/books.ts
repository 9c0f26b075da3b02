import { randomUUID } from 'node:crypto'
import type { QueryCreator } from 'kysely'
import type { DB } from '../db/tables.js'
import { type BookState, decideBook, evolveBook, initialBookState } from '../domain/book.js'
import { DomainError } from '../domain/errors.js'
import { bookStreamId } from '../domain/events.js'
import type { BookType } from '../domain/pricing.js'
import type { BookView } from '../domain/views.js'
import type { EventMetadata } from '../eventstore/append.js'
import type { Position } from '../eventstore/position.js'
import { type CommandDeps, type CommandOptions, executeCommand } from './execute.js'
import { appendFor } from './streams.js'

export type { BookView } from '../domain/views.js'

export interface BookResult {
  book: BookView
  position: Position
}

export function bookView(state: NonNullable<BookState>): BookView {
  return {
    id: state.bookId,
    title: state.title,
    author: state.author,
    description: state.description,
    type: state.bookType,
    copies: state.copies,
    available: state.copies - Object.keys(state.openRentals).length,
    isbn: state.isbn ?? null,
    coverUrl: state.coverUrl ?? null,
    retired: state.retired === true,
  }
}

/** One book per title and author, whatever the case and spacing. */
const titleKey = (title: string, author: string) =>
  JSON.stringify([title, author].map((s) => s.toLowerCase().replace(/\s+/g, ' ').trim()))

/** The write that claims the book's title and author, made with its append. */
function claimTitle(db: QueryCreator<DB>, bookId: string, state: NonNullable<BookState>) {
  const title_key = titleKey(state.title, state.author)
  return db
    .insertInto('book_titles')
    .values({ book_id: bookId, title_key })
    .onConflict((oc) => oc.column('book_id').doUpdateSet({ title_key }))
}

/** Another book holds the title and author (unique title_key). */
const titleTaken = (state: NonNullable<BookState>) => (constraint: string) =>
  constraint.includes('title_key')
    ? new DomainError(
        'BOOK_ALREADY_EXISTS',
        `"${state.title}" by ${state.author} is already in the catalogue`,
      )
    : undefined

export interface AddBookInput {
  title: string
  author: string
  description: string
  type: BookType
  copies: number
  isbn?: string | null
  coverUrl?: string | null
}

export function addBook(
  deps: CommandDeps,
  input: AddBookInput,
  metadata: EventMetadata,
  options?: CommandOptions<BookResult>,
): Promise<BookResult> {
  const bookId = randomUUID()
  return executeCommand<BookResult>(
    deps,
    'AddBook',
    {
      streams: [bookStreamId(bookId)],
      decide: (streams, now) => {
        const book = streams.get(bookStreamId(bookId), initialBookState)
        const { type: bookType, ...rest } = input
        const events = decideBook({ type: 'AddBook', bookId, ...rest, bookType }, book.state, {
          now,
        })
        const append = appendFor(book, events, evolveBook, metadata)
        const state = append.state as NonNullable<BookState>
        return {
          appends: [append],
          also: [claimTitle(deps.db, bookId, state)],
          onUniqueViolation: titleTaken(state),
          result: (position) => ({ book: bookView(state), position }),
        }
      },
    },
    options,
  )
}

export type UpdateBookInput = Partial<AddBookInput>

export function updateBook(
  deps: CommandDeps,
  bookId: string,
  input: UpdateBookInput,
  metadata: EventMetadata,
  options?: CommandOptions<BookResult>,
): Promise<BookResult> {
  return executeCommand<BookResult>(
    deps,
    'UpdateBook',
    {
      streams: [bookStreamId(bookId)],
      decide: (streams, now) => {
        const book = streams.get(bookStreamId(bookId), initialBookState)
        const { copies, type, ...text } = input
        const updated = decideBook(
          { type: 'UpdateBook', bookId, ...text, ...(type !== undefined && { bookType: type }) },
          book.state,
          { now },
        )
        const afterUpdate = updated.reduce(evolveBook, book.state)
        const copied =
          copies === undefined
            ? []
            : decideBook({ type: 'ChangeCopies', bookId, copies }, afterUpdate, { now })
        const events = [...updated, ...copied]
        // Nothing changed: nothing appended; the position is the book's latest event.
        if (events.length === 0) {
          const state = book.state!
          return {
            unchangedAt: book.streamId,
            result: (position) => ({ book: bookView(state), position }),
          }
        }
        const append = appendFor(book, events, evolveBook, metadata)
        const state = append.state as NonNullable<BookState>
        const renamed = input.title !== undefined || input.author !== undefined
        return {
          appends: [append],
          also: renamed ? [claimTitle(deps.db, bookId, state)] : [],
          onUniqueViolation: titleTaken(state),
          result: (position) => ({ book: bookView(state), position }),
        }
      },
    },
    options,
  )
}
