// Books, rentals and balances on the old service's /api/<version>/ paths. The version of the path
// is the price plan a rental created through it is recorded under.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { type Static, Type } from 'typebox'
import { type Book, listBooks } from '../../../../projections/book-availability/queries.js'
import { userBalances } from '../../../../projections/user-balances/apply.js'
import {
  balanceOf,
  listRentals,
  type Rental,
} from '../../../../projections/user-balances/queries.js'
import { type RentalResult, rentBook } from '../../../commands/rentals.js'
import { DomainError } from '../../../domain/errors.js'
import { centsToDecimalString } from '../../../domain/money.js'
import type { BookType } from '../../../domain/pricing.js'
import { encodePosition } from '../../../eventstore/position.js'
import type { AppDeps } from '../../deps.js'
import { sendIdempotent } from '../../idempotency.js'
import { assertSelfOrStaff, currentUser } from '../../plugins/auth.js'
import { MinPositionQuery } from '../../plugins/consistency.js'
import { Instant, PlanSchema, Position, problems, Uuid } from '../../schemas.js'
import { IdempotencyHeaders, meta } from '../command-meta.js'

const tags = ['seed-compatible']
const Version = { ...PlanSchema, description: 'v1, v2 or v3: the price plan of rentals made here' }
const VersionParams = Type.Object({ version: Version }, { additionalProperties: false })
const QueryOptions = Type.Object({ ...MinPositionQuery }, { additionalProperties: false })

const BOOK_TYPE_CODE = { regular: 1, fiction: 2, novel: 3 } as const satisfies Record<
  BookType,
  number
>
const SeedBook = Type.Object({
  id: Uuid,
  name: Type.String(),
  description: Type.String(),
  author: Type.String(),
  book_type: Type.Union([Type.Literal(1), Type.Literal(2), Type.Literal(3)], {
    description: '1 regular, 2 fiction, 3 novel',
  }),
})
const toSeedBook = (b: Book) => ({
  id: b.id,
  name: b.title,
  description: b.description,
  author: b.author,
  book_type: BOOK_TYPE_CODE[b.type],
})

const RETURNED = 1 as const
const NOT_RETURNED = 2 as const
const SeedRental = Type.Object({
  ref: { ...Uuid, description: 'the rental id' },
  user: { ...Uuid, description: 'the renter (a user id)' },
  book: { ...Uuid, description: 'the book id' },
  date_rented: Instant,
  status: Type.Union([Type.Literal(RETURNED), Type.Literal(NOT_RETURNED)], {
    description: '1 returned, 2 not returned',
  }),
})
const toSeedRental = (r: Rental | RentalResult['rental']): Static<typeof SeedRental> => ({
  ref: r.id,
  user: r.userId,
  book: r.bookId,
  date_rented: r.rentedAt,
  status: r.returnedAt === null ? NOT_RETURNED : RETURNED,
})
const created = ({ rental, position }: RentalResult) => ({
  statusCode: 201,
  body: { ...toSeedRental(rental), position: encodePosition(position) },
})

const PAGE = 100

/**
 * Every row of a keyset-paged read-model query (the old API was unpaginated), fetched in pages of
 * PAGE; `list` returns up to PAGE + 1 rows after the given key, as the read models' queries do.
 */
async function everyPage<T, K>(
  list: (after: K | undefined, limit: number) => Promise<T[]>,
  keyOf: (row: T) => K,
): Promise<T[]> {
  const all: T[] = []
  let after: K | undefined
  for (;;) {
    const rows = await list(after, PAGE)
    all.push(...rows.slice(0, PAGE))
    const last = rows[PAGE - 1]
    if (rows.length <= PAGE || last === undefined) return all
    after = keyOf(last)
  }
}

export const seedLibraryRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (
  app,
  { deps },
) => {
  const db = deps.database.db

  app.get(
    '/api/:version/books/',
    {
      config: { auth: 'anyone', readModel: 'book-availability' },
      schema: {
        tags,
        summary: 'All books (the old book list)',
        description:
          'Every book, by title, in the old shape (`name` is the title). Unpaginated as before; ' +
          'new clients should page through GET /api/books, which also tells availability.',
        params: VersionParams,
        querystring: QueryOptions,
        response: { 200: Type.Array(SeedBook), ...problems(400, 503) },
      },
    },
    async () => {
      const books = await everyPage(
        (after: readonly [string, string] | undefined, limit) => listBooks(db, { after, limit }),
        (b) => [b.title, b.id] as const,
      )
      return books.map(toSeedBook)
    },
  )

  app.get(
    '/api/:version/book_rentals/',
    {
      config: { auth: 'staff', readModel: userBalances.name },
      schema: {
        tags,
        summary: 'All rentals (staff)',
        description:
          "Every rental, newest first. Changed from the old service, which showed everyone's " +
          'rentals to anyone: staff only (a user gets 403; see GET /api/rentals for their own).',
        params: VersionParams,
        querystring: QueryOptions,
        response: { 200: Type.Array(SeedRental), ...problems(400, 401, 403, 503) },
      },
    },
    async () => {
      const now = deps.commands.clock()
      const rentals = await everyPage(
        (after: readonly [string, string] | undefined, limit) =>
          listRentals(db, { after, limit }, now),
        (r) => [r.rentedAt, r.id] as const,
      )
      return rentals.map(toSeedRental)
    },
  )

  app.post(
    '/api/:version/book_rentals/create',
    {
      config: { auth: 'user' },
      schema: {
        tags,
        summary: 'Rent a book under the plan of the path',
        description:
          'Rents a copy of the book for the signed-in user, recorded under plan vN of the path. ' +
          'Changed from the old service, which let anonymous callers rent: a token is required ' +
          '(401 without). 404 for an unknown book, 409 when no copy is available. The answer ' +
          'adds `position`, to pass as ?minPosition= to the queries.',
        headers: IdempotencyHeaders,
        params: VersionParams,
        body: Type.Object(
          { book: { ...Uuid, description: 'the book id' } },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({ ...SeedRental.properties, position: Position }),
          ...problems(400, 401, 404, 409, 422),
        },
      },
    },
    async (request, reply) =>
      sendIdempotent(db, request, reply, created, (options) =>
        rentBook(
          deps.commands,
          {
            bookId: request.body.book,
            userId: currentUser(request).id,
            plan: request.params.version,
          },
          meta(request),
          options,
        ),
      ),
  )

  app.get(
    '/api/:version/book_rentals/users/balance/:user_id',
    {
      config: { auth: 'user', readModel: userBalances.name, ownWritesInRead: true },
      schema: {
        tags,
        summary: "A user's balance in currency units",
        description:
          'What the user owes now (returned rentals, plus open rentals priced as if returned ' +
          'now, minus payments), as an exact decimal string such as "4.50". Changed from the old ' +
          'service: only that user or staff may read it (403 otherwise), and the amount is exact. ' +
          'GET /api/users/{id}/balance gives the details in cents.',
        params: Type.Object({ version: Version, user_id: Uuid }, { additionalProperties: false }),
        querystring: QueryOptions,
        response: {
          200: Type.Array(
            Type.Object({
              user_id: Uuid,
              balance: Type.String({ pattern: '^-?[0-9]+\\.[0-9]{2}$', examples: ['4.50'] }),
            }),
          ),
          ...problems(400, 401, 403, 404, 503),
        },
      },
    },
    async (request) => {
      const userId = request.params.user_id
      assertSelfOrStaff(request, userId)
      const balance = await balanceOf(db, userId, deps.commands.clock(), request.readRows)
      if (!balance) throw new DomainError('ACCOUNT_NOT_FOUND', `No account ${userId}`)
      return [{ user_id: userId, balance: centsToDecimalString(balance.balanceCents) }]
    },
  )
}
