// The API's shapes, once: routes validate with them and the OpenAPI document is generated from them.
import { type TStringOptions, Type } from 'typebox'
import type { ProblemBody } from './problem.js'

/**
 * Every string a request carries: PostgreSQL cannot store NUL in text or jsonb, nor a lone UTF-16
 * surrogate (a JSON `"\ud800"`), so both are refused at the door. The validator runs patterns
 * with the `u` flag, where a surrogate pair is one code point and only a lone half matches the
 * class. Lengths count code points.
 */
export const TEXT_PATTERN = '^[^\\u0000\\ud800-\\udfff]*$'

export const Text = (
  minLength: number,
  maxLength: number,
  options: string | Omit<TStringOptions, 'minLength' | 'maxLength'> = {},
) =>
  Type.String({
    minLength,
    maxLength,
    pattern: TEXT_PATTERN,
    ...(typeof options === 'string' ? { description: options } : options),
  })

export const Uuid = Type.String({ format: 'uuid', description: 'an id (UUID)' })
export const IdParams = Type.Object({ id: Uuid }, { additionalProperties: false })
export const BookTypeSchema = Type.Union(
  [Type.Literal('regular'), Type.Literal('fiction'), Type.Literal('novel')],
  { description: 'regular, fiction or novel: decides the price per day' },
)
export const PlanSchema = Type.Union([Type.Literal('v1'), Type.Literal('v2'), Type.Literal('v3')])
export const Cents = (description: string) =>
  Type.Integer({ description: `${description}, in cents` })
export const Instant = Type.String({ format: 'date-time', description: 'ISO-8601 UTC' })
export const Position = Type.String({
  description: 'consistency token of what this command appended: pass as ?minPosition to queries',
  examples: ['00000000000003e8000000000000002a'],
})

export const BookSchema = Type.Object(
  {
    id: Uuid,
    title: Type.String(),
    author: Type.String(),
    description: Type.String(),
    type: BookTypeSchema,
    copies: Type.Integer({ minimum: 1 }),
    available: Type.Integer({ description: 'copies not out on rental' }),
    isbn: Type.Union([Type.String(), Type.Null()], { description: 'ISBN-10 or -13, digits only' }),
    coverUrl: Type.Union([Type.String(), Type.Null()], {
      description: 'an http(s) URL given by staff, or the service’s URL of an uploaded cover',
    }),
    retired: Type.Boolean({ description: 'out of listings and cannot be rented; history stays' }),
  },
  { $id: 'Book' },
)

export const RentalSchema = Type.Object(
  {
    id: Uuid,
    bookId: Uuid,
    userId: Uuid,
    plan: PlanSchema,
    rentedAt: Instant,
    returnedAt: Type.Union([Instant, Type.Null()]),
    chargeCents: Cents('what the rental costs so far (open) or in total (returned)'),
  },
  { $id: 'Rental' },
)

export const UserSchema = Type.Object(
  {
    id: Uuid,
    username: Type.String(),
    email: Type.String(),
    role: Type.Union([Type.Literal('user'), Type.Literal('staff')]),
  },
  { $id: 'User' },
)

export const withPosition = <T extends ReturnType<typeof Type.Object>>(schema: T) =>
  Type.Object({ ...schema.properties, position: Position })

type ProblemRef = ReturnType<typeof Type.Unsafe<ProblemBody>>

/** Responses for the statuses a route can answer with, each the problem schema of that $id. */
export function problemsAs<const S extends readonly number[]>(
  schemaId: 'Problem' | 'OldProblem',
  ...statuses: S
): { [K in S[number]]: ProblemRef } {
  const ref = Type.Unsafe<ProblemBody>({ $ref: `${schemaId}#` })
  return Object.fromEntries(statuses.map((s) => [s, ref])) as { [K in S[number]]: ProblemRef }
}

/** Problem responses for the statuses a route can answer with. */
export const problems = <const S extends readonly number[]>(...statuses: S) =>
  problemsAs('Problem', ...statuses)
