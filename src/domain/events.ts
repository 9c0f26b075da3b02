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
        /** ISBN-10 or -13, digits (and a final X) only; absent in events written before ISBNs. */
        isbn?: string | null
        /** An http(s) URL given by staff. */
        coverUrl?: string | null
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
        /** null clears it */
        isbn?: string | null
        /** null clears it; a URL given here replaces an uploaded cover */
        coverUrl?: string | null
        updatedAt: string
      }
    }
  | {
      /** The image itself is in the book_covers table, content-addressed by this hash. */
      type: 'BookCoverUploaded'
      data: { bookId: string; sha256: string; contentType: string; uploadedAt: string }
    }
  | { type: 'BookRetired'; data: { bookId: string; retiredAt: string } }
  | { type: 'BookCopiesChanged'; data: { bookId: string; copies: number; changedAt: string } }
  | {
      type: 'BookRented'
      data: { rentalId: string; bookId: string; userId: string; plan: Plan; rentedAt: string }
    }
  | {
      type: 'BookReturned'
      data: { rentalId: string; bookId: string; userId: string; returnedAt: string }
    }
  | {
      /** A rental voided by staff while open: the copy is back on the shelf. */
      type: 'BookRentalVoided'
      data: { rentalId: string; bookId: string; userId: string; voidedAt: string }
    }

/** Stream `account-<userId>`: the user's rentals as a debtor, and their payments. */
export type AccountEvent =
  | {
      type: 'UserRegistered'
      data: {
        userId: string
        username: string
        email: string | null
        role: Role
        registeredAt: string
      }
    }
  | {
      /** Fields given are set (null clears name, phone or address); others are unchanged. */
      type: 'ProfileUpdated'
      data: {
        userId: string
        email?: string | null
        name?: string | null
        phone?: string | null
        address?: string | null
        updatedAt: string
      }
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
        /** The staff account that took the money (absent in events written before it was kept). */
        recordedBy?: string
      }
    }
  | {
      /**
       * A compensating event: staff voided the rental. Its charge no longer counts (the charge
       * recorded when it was closed, null if it was open); nothing is erased from the log.
       */
      type: 'RentalVoided'
      data: {
        rentalId: string
        userId: string
        bookId: string
        chargeCents: number | null
        voidedAt: string
        voidedBy: string
      }
    }

export type Role = 'user' | 'staff'
export type LedgerEvent = BookEvent | AccountEvent
export type LedgerEventType = LedgerEvent['type']

export const bookStreamId = (bookId: string): string => `book-${bookId}`
export const accountStreamId = (userId: string): string => `account-${userId}`
