// The shapes the API answers with (API.md "Book" and "Rental"), once: commands and read models
// both produce them.
import type { BookType, Plan } from './pricing.js'

export interface BookView {
  id: string
  title: string
  author: string
  description: string
  type: BookType
  copies: number
  /** copies not out on rental */
  available: number
  /** ISBN-10 or -13, digits only */
  isbn: string | null
  /** an http(s) URL given by staff, or the service's URL of an uploaded cover */
  coverUrl: string | null
  /** retired: out of listings, cannot be rented; its history stays */
  retired: boolean
}

export interface RentalView {
  id: string
  bookId: string
  userId: string
  plan: Plan
  rentedAt: string
  returnedAt: string | null
  /** The final charge once returned; while open, what it would cost if returned now. */
  chargeCents: number
}
