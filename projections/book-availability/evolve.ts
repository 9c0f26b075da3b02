// Pure: what each book event does to the read model's row. No SQL here.
import type { BookEvent } from '../../src/domain/events.js'

type Data<T extends BookEvent['type']> = Extract<BookEvent, { type: T }>['data']

export type BookRowChange =
  | { kind: 'insert'; row: Data<'BookAdded'> }
  | {
      kind: 'update'
      bookId: string
      set: Omit<Data<'BookUpdated'>, 'bookId' | 'updatedAt'> & { copies?: number }
    }
  | { kind: 'out'; bookId: string; delta: 1 | -1 }

export function evolve(event: BookEvent): BookRowChange {
  switch (event.type) {
    case 'BookAdded':
      return { kind: 'insert', row: event.data }
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
