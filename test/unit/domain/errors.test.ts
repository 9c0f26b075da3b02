import t from 'tap'
import type { ErrorCode } from '../../../src/domain/index.js'
import {
  accountStreamId,
  bookStreamId,
  DomainError,
  ERRORS,
  isDomainError,
  isErrorCode,
  problemType,
} from '../../../src/domain/index.js'

const REQUIRED: Record<ErrorCode, number> = {
  BOOK_NOT_FOUND: 404,
  BOOK_ALREADY_EXISTS: 409,
  NO_COPY_AVAILABLE: 409,
  COPIES_BELOW_RENTED: 409,
  INVALID_COPIES: 400,
  INVALID_BOOK: 400,
  BOOK_RETIRED: 409,
  BOOK_RENTED_OUT: 409,
  INVALID_IMAGE: 400,
  RENTAL_NOT_FOUND: 404,
  RENTAL_ALREADY_RETURNED: 409,
  RENTAL_VOIDED: 409,
  NOT_RENTER: 403,
  INVALID_AMOUNT: 400,
  OPEN_RENTAL_LIMIT: 409,
  BALANCE_LIMIT: 409,
  ACCOUNT_NOT_FOUND: 404,
  USER_ALREADY_REGISTERED: 409,
  PAYMENT_ALREADY_APPLIED: 409,
  VALIDATION_FAILED: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  IDEMPOTENCY_KEY_REUSED: 422,
  RATE_LIMITED: 429,
  REQUEST_TIMEOUT: 408,
  PAYLOAD_TOO_LARGE: 413,
  URI_TOO_LONG: 414,
  UNSUPPORTED_MEDIA_TYPE: 415,
  HEADERS_TOO_LARGE: 431,
  NOT_READY: 503,
  INTERNAL: 500,
  USERNAME_TAKEN: 409,
  EMAIL_TAKEN: 409,
  CONCURRENCY_CONFLICT: 503,
}

t.test('the catalogue has every code with its status and a title', async (t) => {
  t.strictSame(Object.keys(ERRORS).sort(), Object.keys(REQUIRED).sort())
  for (const [code, status] of Object.entries(REQUIRED)) {
    const entry = ERRORS[code as ErrorCode]
    t.equal(entry.status, status, code)
    t.ok(entry.title.length > 0, `${code} has a title`)
  }
})

t.test('problemType derives a stable URN from the code', async (t) => {
  t.equal(problemType('NO_COPY_AVAILABLE'), 'urn:rental-ledger:error:no-copy-available')
  t.equal(problemType('INTERNAL'), 'urn:rental-ledger:error:internal')
  const types = new Set(Object.keys(ERRORS).map((c) => problemType(c as ErrorCode)))
  t.equal(types.size, Object.keys(ERRORS).length, 'types are unique')
})

t.test('DomainError carries code, status, type and detail', async (t) => {
  const err = new DomainError('NO_COPY_AVAILABLE', 'All 2 copies are out')
  t.ok(err instanceof Error)
  t.equal(err.name, 'DomainError')
  t.equal(err.code, 'NO_COPY_AVAILABLE')
  t.equal(err.status, 409)
  t.equal(err.title, 'No copy available')
  t.equal(err.detail, 'All 2 copies are out')
  t.equal(err.message, 'All 2 copies are out')
  t.strictSame(err.toProblem(), {
    type: 'urn:rental-ledger:error:no-copy-available',
    title: 'No copy available',
    status: 409,
    detail: 'All 2 copies are out',
  })
  t.equal(new DomainError('BOOK_NOT_FOUND').detail, 'Book not found', 'detail defaults to title')
})

t.test('isErrorCode', async (t) => {
  t.ok(isErrorCode('BOOK_NOT_FOUND'))
  t.notOk(isErrorCode('toString'))
  t.notOk(isErrorCode(404))
})

t.test('isDomainError tells domain refusals from bugs', async (t) => {
  t.ok(isDomainError(new DomainError('CONFLICT')))
  t.notOk(isDomainError(new Error('boom')))
})

t.test('stream ids', async (t) => {
  t.equal(bookStreamId('b1'), 'book-b1')
  t.equal(accountStreamId('u1'), 'account-u1')
})
