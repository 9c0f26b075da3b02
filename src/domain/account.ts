// The account stream `account-<userId>`: the user as a debtor. Its snapshot state holds running
// totals and the open rentals only (closed ones are a count), so it stays small however long the
// user's history grows; per-rental history lives in the read models.
import { assertNever } from './assert-never.js'
import type { BalanceRental } from './balance.js'
import { computeBalance, toDate } from './balance.js'
import { DomainError } from './errors.js'
import type { AccountEvent, Role } from './events.js'
import { assertCents } from './money.js'
import type { BookType, Plan } from './pricing.js'
import { chargeAt } from './pricing.js'

export type OpenRental = { bookId: string; bookType: BookType; plan: Plan; rentedAt: string }

export type AccountState = {
  userId: string
  role: Role
  /** Sum of the final charges of closed rentals. */
  chargedCents: number
  paidCents: number
  openRentals: Record<string, OpenRental>
  closedRentals: number
} | null

export const initialAccountState: AccountState = null

export type AccountCommand =
  | { type: 'RegisterUser'; userId: string; username: string; email: string | null; role: Role }
  | { type: 'OpenRental'; rentalId: string; bookId: string; bookType: BookType; plan: Plan }
  | { type: 'CloseRental'; rentalId: string }
  | {
      type: 'RecordPayment'
      paymentId: string
      amountCents: number
      reference?: string | null
      recordedBy?: string
    }
  | {
      type: 'UpdateProfile'
      email?: string | null
      name?: string | null
      phone?: string | null
      address?: string | null
    }
  | {
      /** `closedChargeCents`: the charge its RentalClosed recorded, if it was returned. */
      type: 'VoidRental'
      rentalId: string
      bookId: string
      closedChargeCents: number | null
      voidedBy: string
    }

/** The most a payment taken at the desk may be: a typo guard (API.md, Payments). */
export const MAX_PAYMENT_CENTS = 1_000_000

export type AccountLimits = { maxOpenRentals: number; maxOwedCents: number }
export type AccountContext = { now: Date; limits: AccountLimits }

type Account = NonNullable<AccountState>

function corrupt(event: AccountEvent, why: string): never {
  throw new Error(`Cannot apply ${event.type} to account stream: ${why}`)
}

function sum(a: number, b: number): number {
  const total = a + b
  assertCents(total, 'account total')
  return total
}

export function evolveAccount(state: AccountState, event: AccountEvent): AccountState {
  if (event.type === 'UserRegistered') {
    if (state !== null) corrupt(event, 'user already registered')
    const { userId, role } = event.data
    return { userId, role, chargedCents: 0, paidCents: 0, openRentals: {}, closedRentals: 0 }
  }
  if (state === null) return corrupt(event, 'account does not exist')
  switch (event.type) {
    case 'RentalOpened': {
      const { rentalId, bookId, bookType, plan, rentedAt } = event.data
      return {
        ...state,
        openRentals: { ...state.openRentals, [rentalId]: { bookId, bookType, plan, rentedAt } },
      }
    }
    case 'RentalClosed': {
      const { [event.data.rentalId]: _closed, ...openRentals } = state.openRentals
      return {
        ...state,
        openRentals,
        chargedCents: sum(state.chargedCents, event.data.chargeCents),
        closedRentals: state.closedRentals + 1,
      }
    }
    case 'PaymentRecorded':
      return { ...state, paidCents: sum(state.paidCents, event.data.amountCents) }
    case 'ProfileUpdated':
      return state
    case 'RentalVoided': {
      const { rentalId, chargeCents } = event.data
      const { [rentalId]: _voided, ...openRentals } = state.openRentals
      return chargeCents === null
        ? { ...state, openRentals }
        : { ...state, chargedCents: sum(state.chargedCents, -chargeCents) }
    }
    default:
      return assertNever(event)
  }
}

const openRentalList = (state: Account): BalanceRental[] =>
  Object.entries(state.openRentals).map(([rentalId, r]) => ({
    rentalId,
    bookId: r.bookId,
    plan: r.plan,
    bookType: r.bookType,
    rentedAt: r.rentedAt,
    returnedAt: null,
    chargeCents: null,
  }))

/**
 * The account's balance at `at` through the one balance rule (balance.ts), with the running totals
 * carried forward. Meaningful for `at` not before the account's last event, as for a decision.
 */
function balanceAt(state: Account, at: Date) {
  return computeBalance(
    {
      rentals: openRentalList(state),
      payments: [],
      carried: { chargedCents: state.chargedCents, paidCents: state.paidCents },
    },
    at,
  )
}

/** What the open rentals would cost if all were returned at `at`. */
export function accruingCents(state: AccountState, at: Date): number {
  return state === null ? 0 : balanceAt(state, at).accruingCents
}

/** What the user owes at `at`: charged + accruing - paid (negative is a credit). */
export function owedCents(state: AccountState, at: Date): number {
  return state === null ? 0 : balanceAt(state, at).balanceCents
}

function requireAccount(state: AccountState): Account {
  if (state === null) throw new DomainError('ACCOUNT_NOT_FOUND', 'No such account')
  return state
}

export function decideAccount(
  command: AccountCommand,
  state: AccountState,
  ctx: AccountContext,
): AccountEvent[] {
  const at = ctx.now.toISOString()
  switch (command.type) {
    case 'RegisterUser': {
      if (state !== null) {
        throw new DomainError('USER_ALREADY_REGISTERED', `User ${command.userId} is registered`)
      }
      const { userId, username, email, role } = command
      return [{ type: 'UserRegistered', data: { userId, username, email, role, registeredAt: at } }]
    }
    case 'OpenRental': {
      const account = requireAccount(state)
      if (Object.hasOwn(account.openRentals, command.rentalId)) {
        throw new DomainError('CONFLICT', `Rental ${command.rentalId} is already open`)
      }
      const { maxOpenRentals, maxOwedCents } = ctx.limits
      if (Object.keys(account.openRentals).length >= maxOpenRentals) {
        throw new DomainError(
          'OPEN_RENTAL_LIMIT',
          `At most ${maxOpenRentals} rentals may be open at once`,
        )
      }
      // Owed counts what the open rentals have run up so far, not only posted charges, so a user
      // cannot dodge the limit by never returning anything.
      if (owedCents(account, ctx.now) >= maxOwedCents) {
        throw new DomainError('BALANCE_LIMIT', 'The amount owed is at the limit; pay to rent again')
      }
      const { rentalId, bookId, bookType, plan } = command
      return [
        {
          type: 'RentalOpened',
          data: { rentalId, userId: account.userId, bookId, bookType, plan, rentedAt: at },
        },
      ]
    }
    case 'CloseRental': {
      const account = requireAccount(state)
      const rental = account.openRentals[command.rentalId]
      // The account keeps no list of closed rentals, so a returned rental and one that never
      // existed look alike here; the command handler tells them apart (RENTAL_ALREADY_RETURNED).
      if (rental === undefined || !Object.hasOwn(account.openRentals, command.rentalId)) {
        throw new DomainError('RENTAL_NOT_FOUND', `No open rental ${command.rentalId}`)
      }
      const { days, chargeCents } = chargeAt(
        rental.plan,
        rental.bookType,
        toDate(rental.rentedAt, 'rentedAt'),
        ctx.now,
      )
      return [
        {
          type: 'RentalClosed',
          data: {
            rentalId: command.rentalId,
            userId: account.userId,
            bookId: rental.bookId,
            rentedAt: rental.rentedAt,
            returnedAt: at,
            days,
            chargeCents,
          },
        },
      ]
    }
    case 'RecordPayment': {
      const account = requireAccount(state)
      const { paymentId, amountCents } = command
      if (!Number.isSafeInteger(amountCents) || amountCents <= 0) {
        throw new DomainError(
          'INVALID_AMOUNT',
          'The amount must be a whole number of cents above 0',
        )
      }
      if (amountCents > MAX_PAYMENT_CENTS) {
        throw new DomainError(
          'INVALID_AMOUNT',
          `The amount must be at most ${MAX_PAYMENT_CENTS} cents`,
        )
      }
      // A payment id applies once: the command handler enforces that with a unique key, since the
      // account keeps no unbounded list of payment ids.
      return [
        {
          type: 'PaymentRecorded',
          data: {
            paymentId,
            userId: account.userId,
            amountCents,
            reference: command.reference ?? null,
            recordedAt: at,
            ...(command.recordedBy !== undefined && { recordedBy: command.recordedBy }),
          },
        },
      ]
    }
    case 'UpdateProfile': {
      const account = requireAccount(state)
      const { type: _type, ...fields } = command
      const changes = Object.fromEntries(
        Object.entries(fields).filter(([, v]) => v !== undefined),
      ) as Omit<typeof command, 'type'>
      if (Object.keys(changes).length === 0) return []
      return [
        { type: 'ProfileUpdated', data: { userId: account.userId, ...changes, updatedAt: at } },
      ]
    }
    case 'VoidRental': {
      const account = requireAccount(state)
      const { rentalId, bookId, voidedBy } = command
      const open = Object.hasOwn(account.openRentals, rentalId)
      if (!open && command.closedChargeCents === null) {
        throw new DomainError('RENTAL_NOT_FOUND', `No rental ${rentalId} to void`)
      }
      return [
        {
          type: 'RentalVoided',
          data: {
            rentalId,
            userId: account.userId,
            bookId,
            chargeCents: open ? null : command.closedChargeCents,
            voidedAt: at,
            voidedBy,
          },
        },
      ]
    }
    default:
      return assertNever(command)
  }
}
