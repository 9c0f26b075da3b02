// The public API of the pure domain. Nothing here performs I/O or reads the clock.
export type {
  AccountCommand,
  AccountContext,
  AccountLimits,
  AccountState,
  OpenRental,
} from './account.js'
export {
  accruingCents,
  decideAccount,
  evolveAccount,
  initialAccountState,
  owedCents,
} from './account.js'
export { assertNever } from './assert-never.js'
export type {
  Balance,
  BalanceInput,
  BalancePayment,
  BalanceRental,
  Instant,
  OpenRentalAt,
  RentalStanding,
} from './balance.js'
export { computeBalance, rentalStandingAt, toDate } from './balance.js'
export type { BookCommand, BookContext, BookState } from './book.js'
export {
  availableCopies,
  decideBook,
  evolveBook,
  initialBookState,
  openRentalCount,
} from './book.js'
export type { ErrorCode, Problem } from './errors.js'
export { DomainError, ERRORS, isDomainError, isErrorCode, problemType } from './errors.js'
export type {
  AccountEvent,
  BookEvent,
  LedgerEvent,
  LedgerEventType,
  Role,
} from './events.js'
export { accountStreamId, bookStreamId } from './events.js'
export { assertCents, centsToDecimalString } from './money.js'
export type { BookType, Plan } from './pricing.js'
export {
  BOOK_TYPES,
  chargeAt,
  DAY_MS,
  isBookType,
  isPlan,
  PLANS,
  priceCents,
  rentalDays,
} from './pricing.js'
