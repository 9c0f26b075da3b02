// Rentals and balances on the old service's /api/<version>/book_rentals/ paths, over the rental
// commands (rent, return, void) and the user-balances read model. The version of the path is the
// price plan a rental created through it is recorded under.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { userBalances } from '../../../../projections/user-balances/apply.js'
import { balanceOf, getRental, listRentals } from '../../../../projections/user-balances/queries.js'
import { voidRental } from '../../../commands/rental-voids.js'
import { type RentalResult, rentBook, returnBook } from '../../../commands/rentals.js'
import type { ReadRows } from '../../../db/reads.js'
import { DomainError } from '../../../domain/errors.js'
import { centsToDecimalString } from '../../../domain/money.js'
import type { AppDeps } from '../../deps.js'
import { sendIdempotent } from '../../idempotency.js'
import { assertSelfOrStaff, currentUser } from '../../plugins/auth.js'
import { MinPositionQuery } from '../../plugins/consistency.js'
import { Uuid, withPosition } from '../../schemas.js'
import { IdempotencyHeaders, meta } from '../command-meta.js'
import { noContent } from './books.js'
import { oldProblems } from './old-errors.js'
import {
  answering,
  everyPage,
  OldId,
  OldIdField,
  RETURNED,
  SeedRental,
  tags,
  toSeedRental,
  uuidOr404,
  Version,
  VersionParams,
} from './shapes.js'

const readModel = userBalances.name
const QueryOptions = Type.Object({ ...MinPositionQuery }, { additionalProperties: false })
const RefParams = Type.Object({ version: Version, ref: OldId }, { additionalProperties: false })
const UserParams = Type.Object(
  { version: Version, user_id: OldId },
  { additionalProperties: false },
)

const answer = (statusCode: number) =>
  answering(statusCode, (r: RentalResult) => toSeedRental(r.rental))

export const seedRentalRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (
  app,
  { deps },
) => {
  const db = deps.database.db
  const rentalId = (ref: string) => uuidOr404(ref, 'RENTAL_NOT_FOUND', 'rental')
  const accountId = (id: string | number) => uuidOr404(id, 'ACCOUNT_NOT_FOUND', 'account')

  /** Every rental of the user (or everyone's), newest first, as the caller's read. */
  const allRentals = (read: ReadRows, userId?: string) => {
    const now = deps.commands.clock()
    return everyPage(
      (after: readonly [string, string] | undefined, limit) =>
        listRentals(db, { userId, after, limit }, now, read),
      (r) => [r.rentedAt, r.id] as const,
    )
  }

  app.get(
    '/api/:version/book_rentals/',
    {
      config: { auth: 'staff', readModel, ownWritesInRead: true },
      schema: {
        tags,
        summary: 'All rentals (staff)',
        description:
          'Every rental, newest first; voided (deleted) rentals are left out. Changed from the ' +
          "old service, which showed everyone's rentals to anyone: staff only (a user gets 403; " +
          'GET /api/{version}/book_rentals/users/{user_id} lists their own).',
        params: VersionParams,
        querystring: QueryOptions,
        response: { 200: Type.Array(SeedRental), ...oldProblems(400, 401, 403, 503) },
      },
    },
    async (request) => (await allRentals(request.readRows)).map(toSeedRental),
  )

  app.post(
    '/api/:version/book_rentals/create',
    {
      config: { auth: 'user' },
      schema: {
        tags,
        summary: 'Rent a book under the plan of the path: for yourself, or (staff) for anyone',
        description:
          'Rents a copy of the book, recorded under plan vN of the path, as POST /api/rentals ' +
          'does. `user`, which old clients send, must be the caller’s own id (403 otherwise) ' +
          'unless the caller is staff, who rent for anyone (checkout at the desk; 404 for no ' +
          'such user). 404 for an unknown book, 409 when no copy is available or a limit is ' +
          'reached. The answer adds `position`. Changed from the old service, which let anyone ' +
          'rent for anyone: a token is required (401 without).',
        headers: IdempotencyHeaders,
        params: VersionParams,
        body: Type.Object(
          {
            book: OldIdField('the book id'),
            user: Type.Optional(OldIdField('the renter: yourself unless you are staff')),
          },
          { additionalProperties: false },
        ),
        response: {
          201: withPosition(SeedRental),
          ...oldProblems(400, 401, 403, 404, 409, 422),
        },
      },
    },
    async (request, reply) => {
      const { book, user = currentUser(request).id } = request.body
      assertSelfOrStaff(request, String(user))
      const input = {
        bookId: uuidOr404(book, 'BOOK_NOT_FOUND', 'book'),
        userId: accountId(user),
        plan: request.params.version,
      }
      return sendIdempotent(db, request, reply, answer(201), (options) =>
        rentBook(deps.commands, input, meta(request), options),
      )
    },
  )

  app.get(
    '/api/:version/book_rentals/:ref',
    {
      config: { auth: 'user', readModel, ownWritesInRead: true },
      schema: {
        tags,
        summary: 'One rental, as a one-element list (the renter or staff)',
        description:
          'An unknown or voided (deleted) rental is 404. Changed from the old service, which ' +
          'showed any rental to anyone: the renter or staff only (403).',
        params: RefParams,
        querystring: QueryOptions,
        response: { 200: Type.Array(SeedRental), ...oldProblems(400, 401, 403, 404, 503) },
      },
    },
    async (request) => {
      const ref = rentalId(request.params.ref)
      const rental = await getRental(db, ref, deps.commands.clock(), request.readRows)
      if (!rental) throw new DomainError('RENTAL_NOT_FOUND', `No rental ${ref}`)
      assertSelfOrStaff(request, rental.userId)
      return [toSeedRental(rental)]
    },
  )

  app.get(
    '/api/:version/book_rentals/users/:user_id',
    {
      config: { auth: 'user', readModel, ownWritesInRead: true },
      schema: {
        tags,
        summary: "A user's rentals (that user or staff)",
        description:
          'The user’s rentals, newest first (an unknown user has none). Changed from the old ' +
          "service, which showed anyone's rentals to anyone: that user or staff only (403).",
        params: UserParams,
        querystring: QueryOptions,
        response: { 200: Type.Array(SeedRental), ...oldProblems(400, 401, 403, 404, 503) },
      },
    },
    async (request) => {
      const userId = accountId(request.params.user_id)
      assertSelfOrStaff(request, userId)
      return (await allRentals(request.readRows, userId)).map(toSeedRental)
    },
  )

  app.route({
    method: ['PUT', 'PATCH'],
    url: '/api/:version/book_rentals/:ref/update',
    config: { auth: 'user' },
    schema: {
      tags,
      summary: 'Return a rental: `{status: 1}` (the renter or staff)',
      description:
        'The one change a rental takes is its return, as POST /api/rentals/{id}/return: the ' +
        'final charge is fixed now. Any other body is 400 (the dates and the renter are the ' +
        'log’s, not the client’s); a rental already returned is 409. Answers the rental with ' +
        '`position`. Changed from the old service, which let anyone rewrite any rental.',
      headers: IdempotencyHeaders,
      params: RefParams,
      body: Type.Object(
        { status: Type.Literal(RETURNED, { description: '1: returned' }) },
        { additionalProperties: false },
      ),
      response: {
        200: withPosition(SeedRental),
        ...oldProblems(400, 401, 403, 404, 409, 422),
      },
    },
    handler: async (request, reply) => {
      const ref = rentalId(request.params.ref)
      const { id, role } = currentUser(request)
      return sendIdempotent(db, request, reply, answer(200), (options) =>
        returnBook(
          deps.commands,
          { rentalId: ref, actor: { userId: id, role } },
          meta(request),
          options,
        ),
      )
    },
  })

  app.delete(
    '/api/:version/book_rentals/:ref/delete',
    {
      config: { auth: 'staff' },
      schema: {
        tags,
        summary: 'Delete a rental: it is voided (staff)',
        description:
          'Voids the rental with a compensating event: its charge no longer counts and, if it ' +
          'is still out, the copy is back on the shelf. Nothing is erased from the log; the ' +
          'rental leaves the listings. 204; 409 when already voided. Changed from the old ' +
          'service, which let anyone erase any rental: staff only.',
        headers: IdempotencyHeaders,
        params: RefParams,
        response: {
          204: Type.Null({ description: 'voided' }),
          ...oldProblems(400, 401, 403, 404, 409, 422),
        },
      },
    },
    async (request, reply) => {
      const ref = rentalId(request.params.ref)
      const voidedBy = currentUser(request).id
      return sendIdempotent(db, request, reply, noContent, (options) =>
        voidRental(deps.commands, { rentalId: ref, voidedBy }, meta(request), options),
      )
    },
  )

  app.get(
    '/api/:version/book_rentals/users/balance/:user_id',
    {
      config: { auth: 'user', readModel, ownWritesInRead: true },
      schema: {
        tags,
        summary: "A user's balance in currency units",
        description:
          'What the user owes now (returned rentals, plus open rentals priced as if returned ' +
          'now, minus payments), as an exact decimal string such as "4.50". Changed from the old ' +
          'service: only that user or staff may read it (403 otherwise), returns stop accruing, ' +
          'and the amount is exact. GET /api/users/{id}/balance gives the details in cents.',
        params: UserParams,
        querystring: QueryOptions,
        response: {
          200: Type.Array(
            Type.Object({
              user_id: Uuid,
              balance: Type.String({ pattern: '^-?[0-9]+\\.[0-9]{2}$', examples: ['4.50'] }),
            }),
          ),
          ...oldProblems(400, 401, 403, 404, 503),
        },
      },
    },
    async (request) => {
      const userId = accountId(request.params.user_id)
      assertSelfOrStaff(request, userId)
      const balance = await balanceOf(db, userId, deps.commands.clock(), request.readRows)
      if (!balance) throw new DomainError('ACCOUNT_NOT_FOUND', `No account ${userId}`)
      return [{ user_id: userId, balance: centsToDecimalString(balance.balanceCents) }]
    },
  )
}
