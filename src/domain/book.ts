// The book stream `book-<bookId>`: catalogue data plus the copies out on rental. Its state is the
// small snapshot the command side keeps next to the stream, so it holds only what the invariants
// need: the copy count and the open rentals (bounded by the copy count).
import { assertNever } from './assert-never.js'
import { DomainError } from './errors.js'
import type { BookEvent } from './events.js'
import { normalizeIsbn } from './isbn.js'
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
  /** Absent in snapshots written before these fields existed: read them through the helpers. */
  isbn?: string | null
  coverUrl?: string | null
  retired?: boolean
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
      isbn?: string | null
      coverUrl?: string | null
    }
  | {
      type: 'UpdateBook'
      bookId: string
      title?: string
      author?: string
      description?: string
      bookType?: BookType
      isbn?: string | null
      coverUrl?: string | null
    }
  | { type: 'UploadCover'; bookId: string; sha256: string; contentType: string }
  | { type: 'RetireBook'; bookId: string }
  | { type: 'VoidRental'; rentalId: string; bookId: string }
  | { type: 'ChangeCopies'; bookId: string; copies: number }
  | { type: 'RentBook'; rentalId: string; bookId: string; userId: string; plan: Plan }
  | { type: 'ReturnBook'; rentalId: string; bookId: string }

export type BookContext = { now: Date }

type Book = NonNullable<BookState>

export const openRentalCount = (state: Book): number => Object.keys(state.openRentals).length

/** Copies on the shelf: never negative while the invariants hold. */
export const availableCopies = (state: BookState): number =>
  state === null ? 0 : state.copies - openRentalCount(state)

/** Where the service serves a cover uploaded to it; the hash makes the URL change with the image. */
export const uploadedCoverUrl = (bookId: string, sha256: string): string =>
  `/api/books/${bookId}/cover?v=${sha256.slice(0, 16)}`

function corrupt(event: BookEvent, why: string): never {
  // Events are facts already committed; one that does not fit means a broken stream, not a user
  // error, so it is a plain Error rather than a DomainError.
  throw new Error(`Cannot apply ${event.type} to book stream: ${why}`)
}

export function evolveBook(state: BookState, event: BookEvent): BookState {
  if (event.type === 'BookAdded') {
    if (state !== null) corrupt(event, 'book already exists')
    const { bookId, title, author, description, bookType, copies } = event.data
    const { isbn = null, coverUrl = null } = event.data
    return {
      bookId,
      title,
      author,
      description,
      bookType,
      copies,
      openRentals: {},
      isbn,
      coverUrl,
      retired: false,
    }
  }
  if (state === null) return corrupt(event, 'book does not exist')
  switch (event.type) {
    case 'BookUpdated': {
      const { title, author, description, bookType, isbn, coverUrl } = event.data
      return {
        ...state,
        ...(title !== undefined && { title }),
        ...(author !== undefined && { author }),
        ...(description !== undefined && { description }),
        ...(bookType !== undefined && { bookType }),
        ...(isbn !== undefined && { isbn }),
        ...(coverUrl !== undefined && { coverUrl }),
      }
    }
    case 'BookCoverUploaded':
      return { ...state, coverUrl: uploadedCoverUrl(state.bookId, event.data.sha256) }
    case 'BookRetired':
      return { ...state, retired: true }
    case 'BookCopiesChanged':
      return { ...state, copies: event.data.copies }
    case 'BookRented':
      return {
        ...state,
        openRentals: { ...state.openRentals, [event.data.rentalId]: event.data.userId },
      }
    case 'BookReturned':
    case 'BookRentalVoided': {
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

function cleanText(value: string, field: 'title' | 'author' | 'description'): string {
  const trimmed = typeof value === 'string' ? value.trim() : ''
  if (trimmed === '') throw new DomainError('INVALID_BOOK', `The ${field} must not be empty`)
  return trimmed
}

function checkIsbn(isbn: string | null | undefined): string | null | undefined {
  if (isbn === undefined || isbn === null) return isbn
  const normalized = normalizeIsbn(isbn)
  if (!normalized) throw new DomainError('INVALID_BOOK', `${isbn} is not a valid ISBN-10 or -13`)
  return normalized
}

function checkCoverUrl(url: string | null | undefined): void {
  if (url === undefined || url === null) return
  let parsed: URL | undefined
  try {
    parsed = new URL(url)
  } catch {}
  if (parsed?.protocol !== 'http:' && parsed?.protocol !== 'https:') {
    throw new DomainError('INVALID_BOOK', 'The cover URL must be an http(s) URL')
  }
}

/** A retired book is out of the catalogue: it keeps its history but changes no more. */
function requireActive(state: BookState, bookId: string): Book {
  const book = requireBook(state, bookId)
  if (book.retired === true) throw new DomainError('BOOK_RETIRED', `Book ${bookId} is retired`)
  return book
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
      const description = cleanText(command.description, 'description')
      checkBookType(command.bookType)
      checkCopies(command.copies)
      const isbn = checkIsbn(command.isbn)
      checkCoverUrl(command.coverUrl)
      const { bookId, bookType, copies, coverUrl } = command
      return [
        {
          type: 'BookAdded',
          data: {
            bookId,
            title,
            author,
            description,
            bookType,
            copies,
            addedAt: at,
            ...(isbn && { isbn }),
            ...(coverUrl && { coverUrl }),
          },
        },
      ]
    }
    case 'UpdateBook': {
      const book = requireActive(state, command.bookId)
      const changes: {
        title?: string
        author?: string
        description?: string
        bookType?: BookType
        isbn?: string | null
        coverUrl?: string | null
      } = {}
      if (command.title !== undefined) {
        const title = cleanText(command.title, 'title')
        if (title !== book.title) changes.title = title
      }
      if (command.author !== undefined) {
        const author = cleanText(command.author, 'author')
        if (author !== book.author) changes.author = author
      }
      if (command.description !== undefined) {
        const description = cleanText(command.description, 'description')
        if (description !== book.description) changes.description = description
      }
      const isbn = checkIsbn(command.isbn)
      if (isbn !== undefined && isbn !== (book.isbn ?? null)) changes.isbn = isbn
      checkCoverUrl(command.coverUrl)
      if (command.coverUrl !== undefined && command.coverUrl !== (book.coverUrl ?? null)) {
        changes.coverUrl = command.coverUrl
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
      const book = requireActive(state, command.bookId)
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
      const book = requireActive(state, command.bookId)
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
    case 'UploadCover': {
      const book = requireActive(state, command.bookId)
      const { sha256, contentType } = command
      if (book.coverUrl === uploadedCoverUrl(book.bookId, sha256)) return []
      return [
        {
          type: 'BookCoverUploaded',
          data: { bookId: book.bookId, sha256, contentType, uploadedAt: at },
        },
      ]
    }
    case 'RetireBook': {
      const book = requireBook(state, command.bookId)
      if (book.retired === true) return []
      const out = openRentalCount(book)
      if (out > 0) {
        throw new DomainError(
          'BOOK_RENTED_OUT',
          `${out} copies are out on rental: retire it once they are back`,
        )
      }
      return [{ type: 'BookRetired', data: { bookId: book.bookId, retiredAt: at } }]
    }
    case 'VoidRental': {
      const book = requireBook(state, command.bookId)
      const userId = book.openRentals[command.rentalId]
      // A rental already returned has its copy back: voiding it changes nothing here.
      if (userId === undefined || !Object.hasOwn(book.openRentals, command.rentalId)) return []
      return [
        {
          type: 'BookRentalVoided',
          data: { rentalId: command.rentalId, bookId: book.bookId, userId, voidedAt: at },
        },
      ]
    }
    default:
      return assertNever(command)
  }
}
