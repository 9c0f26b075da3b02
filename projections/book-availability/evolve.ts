// Pure: what each book event does to the read model's row. No SQL here.
import { uploadedCoverUrl } from '../../src/domain/book.js'
import type { BookEvent } from '../../src/domain/events.js'

type Data<T extends BookEvent['type']> = Extract<BookEvent, { type: T }>['data']

export type BookRowChange =
  | { kind: 'insert'; row: Data<'BookAdded'> }
  | {
      kind: 'update'
      bookId: string
      set: Omit<Data<'BookUpdated'>, 'bookId' | 'updatedAt'> & {
        copies?: number
        /** the uploaded cover served at coverUrl; null when coverUrl is not an uploaded one */
        coverSha256?: string | null
        retired?: boolean
      }
    }
  | { kind: 'out'; bookId: string; delta: 1 | -1 }

export function evolve(event: BookEvent): BookRowChange {
  switch (event.type) {
    case 'BookAdded':
      return { kind: 'insert', row: event.data }
    case 'BookUpdated': {
      const { bookId, updatedAt: _at, ...set } = event.data
      // A URL given by staff replaces an uploaded cover.
      return {
        kind: 'update',
        bookId,
        set: set.coverUrl === undefined ? set : { ...set, coverSha256: null },
      }
    }
    case 'BookCoverUploaded': {
      const { bookId, sha256 } = event.data
      return {
        kind: 'update',
        bookId,
        set: { coverUrl: uploadedCoverUrl(bookId, sha256), coverSha256: sha256 },
      }
    }
    case 'BookRetired':
      return { kind: 'update', bookId: event.data.bookId, set: { retired: true } }
    case 'BookCopiesChanged':
      return { kind: 'update', bookId: event.data.bookId, set: { copies: event.data.copies } }
    case 'BookRented':
      return { kind: 'out', bookId: event.data.bookId, delta: 1 }
    case 'BookReturned':
    case 'BookRentalVoided':
      return { kind: 'out', bookId: event.data.bookId, delta: -1 }
  }
}
