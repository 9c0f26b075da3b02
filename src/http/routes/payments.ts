import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { balanceOf, listPayments } from '../../../projections/user-balances/queries.js'
import { type PaymentResult, recordPayment } from '../../commands/payments.js'
import type { ReadRows } from '../../db/reads.js'
import { MAX_PAYMENT_CENTS } from '../../domain/account.js'
import { computeBalance } from '../../domain/balance.js'
import { DomainError } from '../../domain/errors.js'
import { encodePosition } from '../../eventstore/position.js'
import { CursorQuery, decodeCursor, instantPart, page, uuidPart } from '../cursor.js'
import type { AppDeps } from '../deps.js'
import { sendIdempotent } from '../idempotency.js'
import { assertSelfOrStaff, currentUser } from '../plugins/auth.js'
import { MinPositionQuery } from '../plugins/consistency.js'
import { Cents, IdParams, Instant, problems, Text, Uuid, withPosition } from '../schemas.js'
import { IdempotencyHeaders, meta } from './command-meta.js'

const readModel = 'user-balances'

const PaymentSchema = Type.Object({
  id: Uuid,
  userId: Uuid,
  amountCents: Cents('the amount paid'),
  reference: Type.Union([Type.String(), Type.Null()]),
  recordedAt: Instant,
  recordedBy: Type.Union([Uuid, Type.Null()], {
    description:
      'the staff account that took the money (null for payments from before it was kept)',
  }),
})

const BalanceSchema = Type.Object(
  {
    userId: Uuid,
    asOf: Instant,
    chargedCents: Cents('final charges of rentals returned at or before asOf'),
    accruingCents: Cents('rentals open at asOf, priced as if returned at asOf'),
    paidCents: Cents('payments recorded at or before asOf'),
    balanceCents: Cents('charged + accruing - paid: what the user owes (negative: a credit)'),
    openRentals: Type.Array(
      Type.Object({
        rentalId: Uuid,
        bookId: Uuid,
        rentedAt: Instant,
        days: Type.Integer({ minimum: 1, description: 'started 24-hour periods up to asOf' }),
        chargeCents: Cents('what it costs if returned at asOf'),
      }),
      { description: 'rentals open at asOf, oldest first' },
    ),
  },
  { $id: 'Balance' },
)

const BalanceQuery = Type.Object(
  {
    asOf: Type.Optional({
      ...Instant,
      description: 'the moment to compute the balance at, past or future (a quote); default now',
    }),
    ...MinPositionQuery,
  },
  { additionalProperties: false },
)

// Years 1 to 9999 in UTC: an offset can push a valid date-time outside what PostgreSQL parses.
const EARLIEST = Date.parse('0001-01-01T00:00:00.000Z')
const LATEST = Date.parse('9999-12-31T23:59:59.999Z')

/** The date-time format admits a few times a Date cannot hold (a leap second) or SQL cannot. */
function parseAsOf(text: string): Date {
  const ms = Date.parse(text)
  if (Number.isNaN(ms) || ms < EARLIEST || ms > LATEST) {
    throw new DomainError('VALIDATION_FAILED', `asOf ${text} is not a time this API can read`)
  }
  return new Date(ms)
}

const respond = (r: PaymentResult) => ({
  statusCode: 201,
  body: { ...r.payment, position: encodePosition(r.position) },
})

export const paymentRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (
  app,
  { deps },
) => {
  const db = deps.database.db

  /** A user known to the command side; the read model may not have seen them yet. */
  const userExists = async (userId: string) =>
    (await db
      .selectFrom('users')
      .select('user_id')
      .where('user_id', '=', userId)
      .executeTakeFirst()) !== undefined

  async function balance(userId: string, text: string | undefined, read: ReadRows) {
    const asOf = text === undefined ? deps.commands.clock() : parseAsOf(text)
    const found = await balanceOf(db, userId, asOf, read)
    if (found) return found
    // Registered, but not yet in the read model: nothing has been charged or paid.
    if (await userExists(userId)) {
      return { userId, ...computeBalance({ rentals: [], payments: [] }, asOf) }
    }
    throw new DomainError('ACCOUNT_NOT_FOUND', `No user ${userId}`)
  }

  app.post(
    '/api/payments',
    {
      config: { auth: 'staff' },
      schema: {
        tags: ['payments'],
        summary: 'Record money taken at the desk (staff)',
        description:
          'A user cannot record a payment (403): only staff, who took the money, and who are kept ' +
          'as `recordedBy`. 404 when no such user.',
        headers: IdempotencyHeaders,
        body: Type.Object(
          {
            amountCents: Type.Integer({
              minimum: 1,
              maximum: MAX_PAYMENT_CENTS,
              description: 'the amount paid, in cents',
            }),
            userId: { ...Uuid, description: 'who paid' },
            reference: Type.Optional(Text(0, 200, 'e.g. a receipt number')),
          },
          {
            additionalProperties: false,
            examples: [
              {
                userId: '0b5e8f5a-3c1e-4f4e-9f7a-2d6c1b9e8a01',
                amountCents: 450,
                reference: 'till 3',
              },
            ],
          },
        ),
        response: { 201: withPosition(PaymentSchema), ...problems(400, 401, 403, 404, 422) },
      },
    },
    async (request, reply) => {
      const { amountCents, reference = null, userId } = request.body
      const recordedBy = currentUser(request).id
      return sendIdempotent(db, request, reply, respond, (options) =>
        recordPayment(
          deps.commands,
          { userId, amountCents, reference, recordedBy },
          meta(request),
          options,
        ),
      )
    },
  )

  app.get(
    '/api/payments',
    {
      config: { auth: 'user', readModel },
      schema: {
        tags: ['payments'],
        summary: 'Payments, newest first: your own, or (staff) anyone’s',
        querystring: Type.Object(
          {
            userId: Type.Optional({ ...Uuid, description: 'only this user’s (staff: anyone)' }),
            ...CursorQuery,
            ...MinPositionQuery,
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            items: Type.Array(PaymentSchema),
            nextCursor: Type.Union([Type.String(), Type.Null()]),
          }),
          ...problems(400, 401, 403, 503),
        },
      },
    },
    async (request) => {
      const me = currentUser(request)
      const { limit = 20 } = request.query
      const userId = request.query.userId ?? (me.role === 'staff' ? undefined : me.id)
      if (userId !== undefined) assertSelfOrStaff(request, userId)
      const after = decodeCursor(request.query.cursor, [instantPart, uuidPart])
      const rows = await listPayments(db, { userId, after, limit })
      return page(rows, limit, (p) => [p.recordedAt, p.id])
    },
  )

  app.get(
    '/api/users/:id/balance',
    {
      config: { auth: 'user', readModel, ownWritesInRead: true },
      schema: {
        tags: ['balances'],
        summary: 'A user’s balance at asOf (that user or staff)',
        params: IdParams,
        querystring: BalanceQuery,
        response: { 200: BalanceSchema, ...problems(400, 401, 403, 404, 503) },
      },
    },
    async (request) => {
      assertSelfOrStaff(request, request.params.id)
      return balance(request.params.id, request.query.asOf, request.readRows)
    },
  )

  app.get(
    '/api/me/balance',
    {
      config: { auth: 'user', readModel, ownWritesInRead: true },
      schema: {
        tags: ['balances'],
        summary: 'Your balance at asOf',
        querystring: BalanceQuery,
        response: { 200: BalanceSchema, ...problems(400, 401, 404, 503) },
      },
    },
    async (request) => balance(currentUser(request).id, request.query.asOf, request.readRows),
  )
}
