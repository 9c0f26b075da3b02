// The one error catalogue. Codes are stable identifiers that clients may rely on; the HTTP layer
// turns a DomainError into problem+json (RFC 9457) with `type` derived from the code.

export const ERRORS = {
  // Domain rules
  BOOK_NOT_FOUND: { status: 404, title: 'Book not found' },
  BOOK_ALREADY_EXISTS: { status: 409, title: 'Book already exists' },
  NO_COPY_AVAILABLE: { status: 409, title: 'No copy available' },
  COPIES_BELOW_RENTED: { status: 409, title: 'Copies below those rented out' },
  INVALID_COPIES: { status: 400, title: 'Invalid number of copies' },
  INVALID_BOOK: { status: 400, title: 'Invalid book' },
  BOOK_RETIRED: { status: 409, title: 'Book retired' },
  BOOK_RENTED_OUT: { status: 409, title: 'Copies out on rental' },
  INVALID_IMAGE: { status: 400, title: 'Not an image of an accepted type' },
  RENTAL_NOT_FOUND: { status: 404, title: 'Rental not found' },
  RENTAL_ALREADY_RETURNED: { status: 409, title: 'Rental already returned' },
  RENTAL_VOIDED: { status: 409, title: 'Rental voided' },
  NOT_RENTER: { status: 403, title: 'Not the renter' },
  INVALID_AMOUNT: { status: 400, title: 'Invalid amount' },
  OPEN_RENTAL_LIMIT: { status: 409, title: 'Open rental limit reached' },
  BALANCE_LIMIT: { status: 409, title: 'Balance limit reached' },
  ACCOUNT_NOT_FOUND: { status: 404, title: 'Account not found' },
  USER_ALREADY_REGISTERED: { status: 409, title: 'User already registered' },
  PAYMENT_ALREADY_APPLIED: { status: 409, title: 'Payment already applied' },
  // HTTP and infrastructure
  VALIDATION_FAILED: { status: 400, title: 'Validation failed' },
  UNAUTHORIZED: { status: 401, title: 'Unauthorized' },
  FORBIDDEN: { status: 403, title: 'Forbidden' },
  NOT_FOUND: { status: 404, title: 'Not found' },
  CONFLICT: { status: 409, title: 'Conflict' },
  USERNAME_TAKEN: { status: 409, title: 'Username taken' },
  EMAIL_TAKEN: { status: 409, title: 'Email taken' },
  CONCURRENCY_CONFLICT: { status: 503, title: 'Concurrent modification' },
  IDEMPOTENCY_KEY_REUSED: { status: 422, title: 'Idempotency key reused with a different request' },
  REQUEST_TIMEOUT: { status: 408, title: 'Request timeout' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'Payload too large' },
  URI_TOO_LONG: { status: 414, title: 'URI too long' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported media type' },
  RATE_LIMITED: { status: 429, title: 'Too many requests' },
  HEADERS_TOO_LARGE: { status: 431, title: 'Request header fields too large' },
  INTERNAL: { status: 500, title: 'Internal error' },
  NOT_READY: { status: 503, title: 'Not ready' },
} as const satisfies Record<string, { status: number; title: string }>

export type ErrorCode = keyof typeof ERRORS

export const isErrorCode = (x: unknown): x is ErrorCode =>
  typeof x === 'string' && Object.hasOwn(ERRORS, x)

/** `NO_COPY_AVAILABLE` -> `urn:rental-ledger:error:no-copy-available`. */
export function problemType(code: ErrorCode): string {
  return `urn:rental-ledger:error:${code.toLowerCase().replaceAll('_', '-')}`
}

export type Problem = { type: string; title: string; status: number; detail: string }

export class DomainError extends Error {
  readonly code: ErrorCode
  readonly status: number
  readonly title: string
  readonly type: string
  readonly detail: string

  constructor(code: ErrorCode, detail?: string) {
    const entry = ERRORS[code]
    super(detail ?? entry.title)
    this.name = 'DomainError'
    this.code = code
    this.status = entry.status
    this.title = entry.title
    this.type = problemType(code)
    this.detail = detail ?? entry.title
  }

  /** The RFC 9457 body, without internals (no stack, no cause). */
  toProblem(): Problem {
    return { type: this.type, title: this.title, status: this.status, detail: this.detail }
  }
}

export const isDomainError = (err: unknown): err is DomainError => err instanceof DomainError
