// Pure: what each account event does to the balances read model (accounts, rentals, payments).
import type { AccountEvent } from '../../src/domain/events.js'
import type { BookType, Plan } from '../../src/domain/pricing.js'

export type BalanceChange =
  | { kind: 'account'; userId: string }
  | {
      kind: 'rentalOpened'
      rental: {
        rentalId: string
        userId: string
        bookId: string
        bookType: BookType
        plan: Plan
        rentedAt: string
      }
    }
  | {
      kind: 'rentalClosed'
      rentalId: string
      userId: string
      returnedAt: string
      chargeCents: number
    }
  | {
      kind: 'payment'
      payment: {
        paymentId: string
        userId: string
        amountCents: number
        reference: string | null
        recordedAt: string
      }
    }

export function evolve(event: AccountEvent): BalanceChange {
  switch (event.type) {
    case 'UserRegistered':
      return { kind: 'account', userId: event.data.userId }
    case 'RentalOpened':
      return { kind: 'rentalOpened', rental: event.data }
    case 'RentalClosed': {
      const { rentalId, userId, returnedAt, chargeCents } = event.data
      return { kind: 'rentalClosed', rentalId, userId, returnedAt, chargeCents }
    }
    case 'PaymentRecorded':
      return { kind: 'payment', payment: event.data }
  }
}
