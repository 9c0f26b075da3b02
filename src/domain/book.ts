// The book stream `book-<bookId>`: catalogue data plus the copies out on rental. Its state is the
// small snapshot the command side keeps next to the stream, so it holds only what the invariants
// need: the copy count and the open rentals (bounded by the copy count).
import { assertNever } from './assert-never.js'
import { DomainError } from './errors.js'
import type { BookEvent } from './events.js'
import type { BookType, Plan } from './pricing.js'
import { isBookType } from './pricing.js'

export type BookState = {
  bookId: string
  title: string
  author: string
  description: string
  bookType: BookType
  copies: number
  /** rentalId -> userId of every rental of this book not yet returned. */
  openRentals: Record<string, string>
} | null

export const initialBookState: BookState = null

export type BookCommand =
  | {
      type: 'AddBook'
      bookId: string
      title: string
      author: string
      description: string
      bookType: BookType
      copies: number
    }
  | {
      type: 'UpdateBook'
      bookId: string
      title?: string
      author?: string
      description?: string
      bookType?: BookType
    }
  | { type: 'ChangeCopies'; bookId: string; copies: number }
  | { type: 'RentBook'; rentalId: string; bookId: string; userId: string; plan: Plan }
  | { type: 'ReturnBook'; rentalId: string; bookId: string }

export type BookContext = { now: Date }

type Book = NonNullable<BookState>

export const openRentalCount = (state: Book): number => Object.keys(state.openRentals).length

/** Copies on the shelf: never negative while the invariants hold. */
export const availableCopies = (state: BookState): number =>
  state === null ? 0 : state.copies - openRentalCount(state)

function corrupt(event: BookEvent, why: string): never {
  // Events are facts already committed; one that does not fit means a broken stream, not a user
  // error, so it is a plain Error rather than a DomainError.
  throw new Error(`Cannot apply ${event.type} to book stream: ${why}`)
}

export function evolveBook(state: BookState, event: BookEvent): BookState {
  if (event.type === 'BookAdded') {
    if (state !== null) corrupt(event, 'book already exists')
    const { bookId, title, author, description, bookType, copies } = event.data
    return { bookId, title, author, description, bookType, copies, openRentals: {} }
  }
  if (state === null) return corrupt(event, 'book does not exist')
  switch (event.type) {
    case 'BookUpdated': {
      const { title, author, description, bookType } = event.data
      return {
        ...state,
        ...(title !== undefined && { title }),
        ...(author !== undefined && { author }),
        ...(description !== undefined && { description }),
        ...(bookType !== undefined && { bookType }),
      }
    }
    case 'BookCopiesChanged':
      return { ...state, copies: event.data.copies }
    case 'BookRented':
      return {
        ...state,
        openRentals: { ...state.openRentals, [event.data.rentalId]: event.data.userId },
      }
    case 'BookReturned': {
      const { [event.data.rentalId]: _returned, ...openRentals } = state.openRentals
      return { ...state, openRentals }
    }
    default:
      return assertNever(event)
  }
}

function requireBook(state: BookState, bookId: string): Book {
  if (state === null) throw new DomainError('BOOK_NOT_FOUND', `No book with id ${bookId}`)
  return state
}

function checkCopies(copies: number): void {
  if (!Number.isSafeInteger(copies) || copies < 1) {
    throw new DomainError('INVALID_COPIES', 'Copies must be an integer of at least 1')
  }
}

function cleanText(value: string, field: 'title' | 'author'): string {
  const trimmed = typeof value === 'string' ? value.trim() : ''
  if (trimmed === '') throw new DomainError('INVALID_BOOK', `The ${field} must not be empty`)
  return trimmed
}

function checkBookType(bookType: unknown): asserts bookType is BookType {
  if (!isBookType(bookType)) throw new DomainError('INVALID_BOOK', 'Unknown book type')
}

export function decideBook(command: BookCommand, state: BookState, ctx: BookContext): BookEvent[] {
  const at = ctx.now.toISOString()
  switch (command.type) {
    case 'AddBook': {
      // Uniqueness of title+author across books is a catalogue-wide rule, enforced by the command
      // handler's unique index; a stream only knows itself.
      if (state !== null) {
        throw new DomainError('BOOK_ALREADY_EXISTS', `Book ${command.bookId} already exists`)
      }
      const title = cleanText(command.title, 'title')
      const author = cleanText(command.author, 'author')
      checkBookType(command.bookType)
      checkCopies(command.copies)
      const { bookId, description, bookType, copies } = command
      return [
        {
          type: 'BookAdded',
          data: { bookId, title, author, description, bookType, copies, addedAt: at },
        },
      ]
    }
    case 'UpdateBook': {
      const book = requireBook(state, command.bookId)
      const changes: {
        title?: string
        author?: string
        description?: string
        bookType?: BookType
      } = {}
      if (command.title !== undefined) {
        const title = cleanText(command.title, 'title')
        if (title !== book.title) changes.title = title
      }
      if (command.author !== undefined) {
        const author = cleanText(command.author, 'author')
        if (author !== book.author) changes.author = author
      }
      if (command.description !== undefined && command.description !== book.description) {
        changes.description = command.description
      }
      if (command.bookType !== undefined) {
        checkBookType(command.bookType)
        if (command.bookType !== book.bookType) changes.bookType = command.bookType
      }
      // Nothing changed: no event, so a repeated PATCH leaves the log untouched.
      if (Object.keys(changes).length === 0) return []
      return [{ type: 'BookUpdated', data: { bookId: book.bookId, ...changes, updatedAt: at } }]
    }
    case 'ChangeCopies': {
      const book = requireBook(state, command.bookId)
      checkCopies(command.copies)
      const rented = openRentalCount(book)
      if (command.copies < rented) {
        throw new DomainError(
          'COPIES_BELOW_RENTED',
          `${rented} copies are rented out; copies cannot go below that`,
        )
      }
      if (command.copies === book.copies) return []
      return [
        {
          type: 'BookCopiesChanged',
          data: { bookId: book.bookId, copies: command.copies, changedAt: at },
        },
      ]
    }
    case 'RentBook': {
      const book = requireBook(state, command.bookId)
      if (Object.hasOwn(book.openRentals, command.rentalId)) {
        throw new DomainError('CONFLICT', `Rental ${command.rentalId} is already open`)
      }
      if (availableCopies(book) <= 0) {
        throw new DomainError(
          'NO_COPY_AVAILABLE',
          `Every copy of book ${book.bookId} is rented out`,
        )
      }
      const { rentalId, userId, plan } = command
      return [
        { type: 'BookRented', data: { rentalId, bookId: book.bookId, userId, plan, rentedAt: at } },
      ]
    }
    case 'ReturnBook': {
      const book = requireBook(state, command.bookId)
      const userId = book.openRentals[command.rentalId]
      // Whether the rental never existed or was already returned is for the caller to tell
      // (from the rental read model or the account); the book only knows what is out now.
      if (userId === undefined || !Object.hasOwn(book.openRentals, command.rentalId)) {
        throw new DomainError(
          'RENTAL_NOT_FOUND',
          `No open rental ${command.rentalId} of book ${book.bookId}`,
        )
      }
      return [
        {
          type: 'BookReturned',
          data: { rentalId: command.rentalId, bookId: book.bookId, userId, returnedAt: at },
        },
      ]
    }
    default:
      return assertNever(command)
  }
}
