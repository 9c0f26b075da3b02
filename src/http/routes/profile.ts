// The signed-in account's profile (GET and PATCH /api/me), and staff's list of accounts with
// where each stands (GET /api/users).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { standingsOf } from '../../../projections/user-balances/queries.js'
import {
  getProfile,
  listProfiles,
  type ProfileResult,
  updateProfile,
} from '../../commands/profiles.js'
import { DomainError } from '../../domain/errors.js'
import { encodePosition } from '../../eventstore/position.js'
import { CursorQuery, decodeCursor, page, textPart, uuidPart } from '../cursor.js'
import type { AppDeps } from '../deps.js'
import { sendIdempotent } from '../idempotency.js'
import { currentUser } from '../plugins/auth.js'
import { MinPositionQuery } from '../plugins/consistency.js'
import { Cents, problems, Text, Uuid, withPosition } from '../schemas.js'
import { fieldFailure } from '../validation.js'
import { IdempotencyHeaders, meta } from './command-meta.js'

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()])

/** What a profile change accepts: the one rule for /api/me and the old accounts routes. */
export const ProfileFields = {
  email: Nullable(Type.String({ format: 'email', maxLength: 254 })),
  name: Nullable(Text(1, 100, 'not blank; null clears it')),
  phone: Nullable(Type.String({ pattern: '^\\+?[0-9][0-9 -]{2,29}$', description: 'digits' })),
  address: Nullable(Text(1, 300, 'not blank; null clears it')),
}

export const ProfileSchema = Type.Object(
  {
    id: Uuid,
    username: Type.String(),
    email: Type.Union([Type.String(), Type.Null()]),
    role: Type.Union([Type.Literal('user'), Type.Literal('staff')]),
    name: Type.Union([Type.String(), Type.Null()]),
    phone: Type.Union([Type.String(), Type.Null()]),
    address: Type.Union([Type.String(), Type.Null()]),
  },
  { $id: 'Profile' },
)

const UserStanding = Type.Object({
  id: Uuid,
  username: Type.String(),
  email: Type.Union([Type.String(), Type.Null()]),
  role: Type.Union([Type.Literal('user'), Type.Literal('staff')]),
  name: Type.Union([Type.String(), Type.Null()]),
  balanceCents: Cents('what the user owes now (negative: a credit)'),
  openRentals: Type.Integer({ description: 'rentals not yet returned' }),
})

/** Trims text fields: a profile never holds blanks around (or instead of) its values. */
export function cleanProfile<T extends Record<string, string | null | undefined>>(input: T): T {
  const out: Record<string, string | null | undefined> = {}
  for (const [k, v] of Object.entries(input)) {
    const trimmed = typeof v === 'string' ? v.trim() : v
    if (trimmed === '') {
      throw fieldFailure(k, 'must not be blank', { keyword: 'minLength', params: { limit: 1 } })
    }
    out[k] = trimmed
  }
  return out as T
}

export const respondProfile = (r: ProfileResult) => ({
  statusCode: 200,
  body: { ...r.profile, position: encodePosition(r.position) },
})

export const profileRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (
  app,
  { deps },
) => {
  const db = deps.database.db
  const readProfile = async (userId: string) => {
    const profile = await getProfile(db, userId)
    // A well-signed token for an account this database does not hold.
    if (!profile) throw new DomainError('UNAUTHORIZED', 'The access token names no account')
    return profile
  }

  app.get(
    '/api/me',
    {
      config: { auth: 'user' },
      schema: {
        tags: ['accounts'],
        summary: 'The signed-in account and its profile',
        // Accepted as on every query; accounts are read from the command side, which a command's
        // own statement has already written, so there is nothing to wait for.
        querystring: Type.Object({ ...MinPositionQuery }, { additionalProperties: false }),
        response: { 200: ProfileSchema, ...problems(400, 401) },
      },
    },
    async (request) => readProfile(currentUser(request).id),
  )

  app.patch(
    '/api/me',
    {
      config: { auth: 'user' },
      schema: {
        tags: ['accounts'],
        summary: 'Change your email, name, phone or address (null clears all but email)',
        headers: IdempotencyHeaders,
        body: Type.Object(
          {
            email: Type.Optional(ProfileFields.email.anyOf[0]),
            name: Type.Optional(ProfileFields.name),
            phone: Type.Optional(ProfileFields.phone),
            address: Type.Optional(ProfileFields.address),
          },
          {
            additionalProperties: false,
            minProperties: 1,
            examples: [{ name: 'Ursula', phone: '5550100', address: '1 Anarres Way' }],
          },
        ),
        response: { 200: withPosition(ProfileSchema), ...problems(400, 401, 409, 422) },
      },
    },
    async (request, reply) => {
      const userId = currentUser(request).id
      const input = cleanProfile(request.body)
      return sendIdempotent(db, request, reply, respondProfile, (options) =>
        updateProfile(deps.commands, userId, input, meta(request), options),
      )
    },
  )

  app.get(
    '/api/users',
    {
      config: { auth: 'staff', readModel: 'user-balances' },
      schema: {
        tags: ['accounts'],
        summary: 'Accounts by username, with their balance and open rentals (staff)',
        querystring: Type.Object(
          {
            q: Type.Optional(
              Type.String({ maxLength: 200, description: 'in the username, email or name' }),
            ),
            ...CursorQuery,
            ...MinPositionQuery,
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            items: Type.Array(UserStanding),
            nextCursor: Type.Union([Type.String(), Type.Null()]),
          }),
          ...problems(400, 401, 403, 503),
        },
      },
    },
    async (request) => {
      const { q, limit = 20, cursor } = request.query
      const after = decodeCursor(cursor, [textPart, uuidPart])
      const rows = await listProfiles(db, { q, after, limit })
      const standings = await standingsOf(
        db,
        rows.slice(0, limit).map((r) => r.id),
        deps.commands.clock(),
      )
      const items = rows.map(({ phone: _p, address: _a, ...r }) => ({
        ...r,
        ...(standings.get(r.id) ?? { balanceCents: 0, openRentals: 0 }),
      }))
      return page(items, limit, (r) => [r.username.toLowerCase(), r.id])
    },
  )
}
