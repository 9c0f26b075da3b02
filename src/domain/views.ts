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
