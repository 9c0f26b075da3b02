// Pure: what each book event does to the read model's row. No SQL here.
import type { BookEvent } from '../../src/domain/events.js'
import type { BookType } from '../../src/domain/pricing.js'

export type BookRowChange =
  | {
      kind: 'insert'
      row: {
        bookId: string
        title: string
        author: string
        description: string
        bookType: BookType
        copies: number
        addedAt: string
      }
    }
  | {
      kind: 'update'
      bookId: string
      set: {
        title?: string
        author?: string
        description?: string
        bookType?: BookType
        copies?: number
      }
    }
  | { kind: 'out'; bookId: string; delta: 1 | -1 }

export function evolve(event: BookEvent): BookRowChange {
  switch (event.type) {
    case 'BookAdded': {
      const { bookId, title, author, description, bookType, copies, addedAt } = event.data
      return {
        kind: 'insert',
        row: { bookId, title, author, description, bookType, copies, addedAt },
      }
    }
    case 'BookUpdated': {
      const { bookId, updatedAt: _at, ...set } = event.data
      return { kind: 'update', bookId, set }
    }
    case 'BookCopiesChanged':
      return { kind: 'update', bookId: event.data.bookId, set: { copies: event.data.copies } }
    case 'BookRented':
      return { kind: 'out', bookId: event.data.bookId, delta: 1 }
    case 'BookReturned':
      return { kind: 'out', bookId: event.data.bookId, delta: -1 }
  }
}
