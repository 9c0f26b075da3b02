// The old service's shapes (its books, rentals and accounts as its clients read them), built from
// the views of the new API, and the bits of its paths every seed route shares.
import { type Static, Type } from 'typebox'
import type { Profile } from '../../../commands/profiles.js'
import { DomainError, type ErrorCode } from '../../../domain/errors.js'
import type { BookType } from '../../../domain/pricing.js'
import type { BookView, RentalView } from '../../../domain/views.js'
import { encodePosition, type Position } from '../../../eventstore/position.js'
import { Instant, PlanSchema, Text, Uuid } from '../../schemas.js'

export const tags = ['seed-compatible']

export const Version = {
  ...PlanSchema,
  description: 'v1, v2 or v3: the price plan of rentals made here',
}
export const VersionParams = Type.Object({ version: Version }, { additionalProperties: false })

/** An id in an old path: this service's UUIDs; anything else (an old integer id) is a 404. */
export const OldId = Type.Union([Uuid, Text(1, 64)], {
  description: 'an id (a UUID); any other (an old integer id) answers 404',
})
/** An id in an old body: old clients sent integers, which name nothing here (404). */
export const OldIdField = (description: string) =>
  Type.Union([Uuid, Text(1, 64), Type.Integer()], {
    description: `${description}: a UUID; any other (an old integer id) answers 404`,
  })

const UUID = /^[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}$/i

/** The id as a UUID, or the not-found error of `code` (nothing by that id can exist). */
export function uuidOr404(id: string | number, code: ErrorCode, what: string): string {
  if (typeof id === 'string' && UUID.test(id)) return id
  throw new DomainError(code, `No ${what} ${id}: ids are UUIDs`)
}

export const BOOK_TYPE_CODE = { regular: 1, fiction: 2, novel: 3 } as const satisfies Record<
  BookType,
  number
>
export const BOOK_TYPE_OF = { 1: 'regular', 2: 'fiction', 3: 'novel' } as const satisfies Record<
  number,
  BookType
>
export const BookTypeCode = Type.Union([Type.Literal(1), Type.Literal(2), Type.Literal(3)], {
  description: '1 regular, 2 fiction, 3 novel',
})

export const SeedBook = Type.Object({
  id: Uuid,
  name: Type.String({ description: 'the title' }),
  description: Type.String(),
  author: Type.String(),
  book_type: BookTypeCode,
  image: Type.Union([Type.String(), Type.Null()], { description: 'the cover’s URL, or null' }),
})
export const toSeedBook = (b: BookView): Static<typeof SeedBook> => ({
  id: b.id,
  name: b.title,
  description: b.description,
  author: b.author,
  book_type: BOOK_TYPE_CODE[b.type],
  image: b.coverUrl,
})

export const RETURNED = 1 as const
export const NOT_RETURNED = 2 as const
export const SeedRental = Type.Object({
  ref: { ...Uuid, description: 'the rental id' },
  user: { ...Uuid, description: 'the renter (a user id)' },
  book: { ...Uuid, description: 'the book id' },
  date_rented: Instant,
  date_returned: Type.Union([Instant, Type.Null()]),
  status: Type.Union([Type.Literal(RETURNED), Type.Literal(NOT_RETURNED)], {
    description: '1 returned, 2 not returned',
  }),
})
export const toSeedRental = (r: RentalView): Static<typeof SeedRental> => ({
  ref: r.id,
  user: r.userId,
  book: r.bookId,
  date_rented: r.rentedAt,
  date_returned: r.returnedAt,
  status: r.returnedAt === null ? NOT_RETURNED : RETURNED,
})

const OptionalText = Type.Union([Type.String(), Type.Null()])
export const SeedAccount = Type.Object({
  id: Uuid,
  username: Type.String(),
  email: OptionalText,
  name: OptionalText,
  phone: OptionalText,
  address: OptionalText,
})
export const toSeedAccount = ({ role: _role, ...p }: Profile): Static<typeof SeedAccount> => p

/** A command's answer: the result in the old shape, with the `position` of what it appended. */
export const answering =
  <R extends { position: Position }>(statusCode: number, shape: (result: R) => object) =>
  (result: R) => ({
    statusCode,
    body: { ...shape(result), position: encodePosition(result.position) },
  })

const PAGE = 100

/**
 * Every row of a keyset-paged query (the old API was unpaginated), fetched in pages of PAGE;
 * `list` returns up to PAGE + 1 rows after the given key, as the paged queries do.
 */
export async function everyPage<T, K>(
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
