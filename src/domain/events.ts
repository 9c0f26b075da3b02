// The event vocabulary of the ledger. Events are facts, named in the past tense; their data is
// plain JSON (times as ISO-8601 UTC strings, money as integer cents) because it is stored in the
// log and exported for audit as it is.
import type { BookType, Plan } from './pricing.js'

/** Stream `book-<bookId>`: the catalogue entry and the copies out on rental. */
export type BookEvent =
  | {
      type: 'BookAdded'
      data: {
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
      type: 'BookUpdated'
      data: {
        bookId: string
        title?: string
        author?: string
        description?: string
        bookType?: BookType
        updatedAt: string
      }
    }
  | { type: 'BookCopiesChanged'; data: { bookId: string; copies: number; changedAt: string } }
  | {
      type: 'BookRented'
      data: { rentalId: string; bookId: string; userId: string; plan: Plan; rentedAt: string }
    }
  | {
      type: 'BookReturned'
      data: { rentalId: string; bookId: string; userId: string; returnedAt: string }
    }

/** Stream `account-<userId>`: the user's rentals as a debtor, and their payments. */
export type AccountEvent =
  | {
      type: 'UserRegistered'
      data: { userId: string; username: string; email: string; role: Role; registeredAt: string }
    }
  | {
      type: 'RentalOpened'
      data: {
        rentalId: string
        userId: string
        bookId: string
        bookType: BookType
        plan: Plan
        rentedAt: string
      }
    }
  | {
      type: 'RentalClosed'
      data: {
        rentalId: string
        userId: string
        bookId: string
        rentedAt: string
        returnedAt: string
        days: number
        chargeCents: number
      }
    }
  | {
      type: 'PaymentRecorded'
      data: {
        paymentId: string
        userId: string
        amountCents: number
        reference: string | null
        recordedAt: string
      }
    }

export type Role = 'user' | 'staff'
export type LedgerEvent = BookEvent | AccountEvent
export type LedgerEventType = LedgerEvent['type']

export const bookStreamId = (bookId: string): string => `book-${bookId}`
export const accountStreamId = (userId: string): string => `account-${userId}`
