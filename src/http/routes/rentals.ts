import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { getRental, listRentals } from '../../../projections/user-balances/queries.js'
import { type RentalResult, rentBook, returnBook } from '../../commands/rentals.js'
import { DomainError } from '../../domain/errors.js'
import { encodePosition } from '../../eventstore/position.js'
import { CursorQuery, decodeCursor, instantPart, page, uuidPart } from '../cursor.js'
import type { AppDeps } from '../deps.js'
import { sendIdempotent } from '../idempotency.js'
import { assertSelfOrStaff, currentUser } from '../plugins/auth.js'
import { MinPositionQuery } from '../plugins/consistency.js'
import { IdParams, problems, RentalSchema, Uuid, withPosition } from '../schemas.js'
import { IdempotencyHeaders, meta } from './command-meta.js'

const readModel = 'user-balances'

const respond = (status: number) => (r: RentalResult) => ({
  statusCode: status,
  body: { ...r.rental, position: encodePosition(r.position) },
})

export const rentalRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  const db = deps.database.db

  app.post(
    '/api/rentals',
    {
      config: { auth: 'user' },
      schema: {
        tags: ['rentals'],
        summary:
          'Rent a copy of a book under the current price plan: for yourself, or (staff) for anyone',
        description:
          'A user rents for themselves (a `userId` of another user is 403); staff checking a book ' +
          'out at the desk give the `userId` of the renter (404 when no such user).',
        headers: IdempotencyHeaders,
        body: Type.Object(
          {
            bookId: Uuid,
            userId: Type.Optional({ ...Uuid, description: 'the renter; default yourself' }),
          },
          {
            additionalProperties: false,
            examples: [{ bookId: '0b5e8f5a-3c1e-4f4e-9f7a-2d6c1b9e8a01' }],
          },
        ),
        response: { 201: withPosition(RentalSchema), ...problems(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const userId = request.body.userId ?? currentUser(request).id
      assertSelfOrStaff(request, userId)
      return sendIdempotent(db, request, reply, respond(201), (options) =>
        rentBook(deps.commands, { bookId: request.body.bookId, userId }, meta(request), options),
      )
    },
  )

  app.post(
    '/api/rentals/:id/return',
    {
      config: { auth: 'user' },
      schema: {
        tags: ['rentals'],
        summary: 'Return a rental (the renter or staff); its final charge is fixed now',
        headers: IdempotencyHeaders,
        params: IdParams,
        response: { 200: withPosition(RentalSchema), ...problems(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const { id, role } = currentUser(request)
      return sendIdempotent(db, request, reply, respond(200), (options) =>
        returnBook(
          deps.commands,
          { rentalId: request.params.id, actor: { userId: id, role } },
          meta(request),
          options,
        ),
      )
    },
  )

  app.get(
    '/api/rentals',
    {
      config: { auth: 'user', readModel, ownWritesInRead: true },
      schema: {
        tags: ['rentals'],
        summary: 'List rentals, newest first: your own, or (staff) anyone’s',
        querystring: Type.Object(
          {
            userId: Type.Optional({ ...Uuid, description: 'only this user’s (staff: anyone)' }),
            bookId: Type.Optional({ ...Uuid, description: 'only rentals of this book' }),
            status: Type.Optional(
              Type.Union([Type.Literal('open'), Type.Literal('returned')], {
                description: 'open: not yet returned',
              }),
            ),
            ...CursorQuery,
            ...MinPositionQuery,
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            items: Type.Array(RentalSchema),
            nextCursor: Type.Union([Type.String(), Type.Null()]),
          }),
          ...problems(400, 401, 403, 503),
        },
      },
    },
    async (request) => {
      const me = currentUser(request)
      const { status, bookId, limit = 20 } = request.query
      // A user without ?userId sees their own; staff without it see everyone's.
      const userId = request.query.userId ?? (me.role === 'staff' ? undefined : me.id)
      if (userId !== undefined) assertSelfOrStaff(request, userId)
      const after = decodeCursor(request.query.cursor, [instantPart, uuidPart])
      const now = deps.commands.clock()
      const rows = await listRentals(
        db,
        { userId, bookId, status, after, limit },
        now,
        request.readRows,
      )
      return page(rows, limit, (r) => [r.rentedAt, r.id])
    },
  )

  app.get(
    '/api/rentals/:id',
    {
      config: { auth: 'user', readModel, ownWritesInRead: true },
      schema: {
        tags: ['rentals'],
        summary: 'One rental (the renter or staff); an open one is priced as if returned now',
        params: IdParams,
        querystring: Type.Object({ ...MinPositionQuery }, { additionalProperties: false }),
        response: { 200: RentalSchema, ...problems(400, 401, 403, 404, 503) },
      },
    },
    async (request) => {
      const rental = await getRental(db, request.params.id, deps.commands.clock(), request.readRows)
      if (!rental) throw new DomainError('RENTAL_NOT_FOUND', `No rental ${request.params.id}`)
      assertSelfOrStaff(request, rental.userId)
      return rental
    },
  )
}
