// Pure: what each account event does to the balances read model (accounts, rentals, payments).
import type { AccountEvent } from '../../src/domain/events.js'

type Data<T extends AccountEvent['type']> = Extract<AccountEvent, { type: T }>['data']

export type BalanceChange =
  | { kind: 'account'; userId: string }
  | { kind: 'rentalOpened'; rental: Data<'RentalOpened'> }
  | ({ kind: 'rentalClosed' } & Pick<
      Data<'RentalClosed'>,
      'rentalId' | 'userId' | 'returnedAt' | 'chargeCents'
    >)
  | { kind: 'payment'; payment: Data<'PaymentRecorded'> }
  | ({ kind: 'rentalVoided' } & Pick<Data<'RentalVoided'>, 'rentalId' | 'userId' | 'chargeCents'>)
  | { kind: 'none' }

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
    case 'RentalVoided': {
      const { rentalId, userId, chargeCents } = event.data
      return { kind: 'rentalVoided', rentalId, userId, chargeCents }
    }
    // Profiles are read from the command side's users table.
    case 'ProfileUpdated':
      return { kind: 'none' }
  }
}
