import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import {
  hashPassword,
  issueAccessToken,
  type TokenHolder,
  verifyLogin,
} from '../../auth/credentials.js'
import { issueRefreshToken, rotateRefreshToken } from '../../auth/refresh-tokens.js'
import { type RegisterResult, refuseTaken, registerUser } from '../../commands/accounts.js'
import { DomainError } from '../../domain/errors.js'
import { encodePosition } from '../../eventstore/position.js'
import type { AppDeps } from '../deps.js'
import { sendIdempotent } from '../idempotency.js'
import { problems, Text, UserSchema, withPosition } from '../schemas.js'
import { fieldFailure } from '../validation.js'
import { IdempotencyHeaders, meta } from './command-meta.js'

/** bcrypt reads only the first 72 bytes: a longer password would be cut without a word. */
const BCRYPT_MAX_BYTES = 72

/** What registration accepts; `create-superuser` checks its input against the same schema. */
export const RegisterBody = Type.Object(
  {
    username: Type.String({
      pattern: '^[A-Za-z0-9_.@+-]{3,150}$',
      description: '3 to 150 letters, digits and _ . @ + - (as the old service allowed)',
    }),
    email: Type.String({ format: 'email', maxLength: 254 }),
    password: Text(8, BCRYPT_MAX_BYTES, `8 to ${BCRYPT_MAX_BYTES} characters`),
  },
  {
    additionalProperties: false,
    examples: [{ username: 'ursula', email: 'ursula@example.com', password: 'anarres-urras' }],
  },
)

/** The one rule the schema cannot say: the password's length in bytes. Undefined when it fits. */
export function passwordTooLong(password: string): string | undefined {
  return Buffer.byteLength(password) > BCRYPT_MAX_BYTES
    ? `must be at most ${BCRYPT_MAX_BYTES} bytes in UTF-8`
    : undefined
}

const TokenPair = Type.Object({
  accessToken: Type.String({ description: 'a JWT: send it as Authorization: Bearer <token>' }),
  refreshToken: Type.String({
    description: 'single use: trade it at POST /api/auth/refresh for a new pair',
  }),
  tokenType: Type.Literal('Bearer'),
  expiresIn: Type.Integer({ description: 'seconds until the access token expires' }),
})

const respondRegistered = (r: RegisterResult) => ({
  statusCode: 201,
  body: { ...r.user, position: encodePosition(r.position) },
})

export const authRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  const { db } = deps.database
  const { BCRYPT_COST, ACCESS_TOKEN_TTL_SECONDS, REFRESH_TOKEN_TTL_SECONDS } = deps.config
  const refreshPolicy = () => ({
    now: deps.commands.clock(),
    ttlSeconds: REFRESH_TOKEN_TTL_SECONDS,
  })

  const tokenPair = (user: TokenHolder, refreshToken: string) => ({
    accessToken: issueAccessToken(app, user),
    refreshToken,
    tokenType: 'Bearer' as const,
    expiresIn: ACCESS_TOKEN_TTL_SECONDS,
  })

  app.post(
    '/api/auth/register',
    {
      config: { auth: 'anyone' },
      onRequest: app.limits.registration,
      schema: {
        tags: ['accounts'],
        summary: 'Create an account (role user)',
        headers: IdempotencyHeaders,
        body: RegisterBody,
        response: { 201: withPosition(UserSchema), ...problems(400, 409, 422, 429) },
      },
    },
    async (request, reply) => {
      const { username, email, password } = request.body
      const tooLong = passwordTooLong(password)
      if (tooLong) throw fieldFailure('password', tooLong)
      return sendIdempotent(db, request, reply, respondRegistered, async (options) => {
        await refuseTaken(db, { username, email })
        return registerUser(
          deps.commands,
          {
            username,
            email,
            passwordHash: await hashPassword(password, BCRYPT_COST),
            role: 'user',
          },
          meta(request),
          options,
        )
      })
    },
  )

  app.post(
    '/api/auth/token',
    {
      config: { auth: 'anyone' },
      onRequest: app.limits.login,
      schema: {
        tags: ['accounts'],
        summary: 'Sign in: an access token and a refresh token',
        body: Type.Object(
          { username: Text(1, 150), password: Text(1, 1024) },
          {
            additionalProperties: false,
            examples: [{ username: 'ursula', password: 'anarres-urras' }],
          },
        ),
        response: { 200: TokenPair, ...problems(400, 401, 429) },
      },
    },
    async (request, reply) => {
      const { username, password } = request.body
      const user = await app.limits.usernames.attempt(username, reply, () =>
        verifyLogin(db, username, password, BCRYPT_COST),
      )
      // One answer for an unknown user and a wrong password.
      if (!user) throw new DomainError('UNAUTHORIZED', 'Wrong username or password')
      return tokenPair(user, await issueRefreshToken(db, user.id, refreshPolicy()))
    },
  )

  app.post(
    '/api/auth/refresh',
    {
      config: { auth: 'anyone' },
      schema: {
        tags: ['accounts'],
        summary: 'Trade a refresh token for a new pair; the old refresh token stops working',
        description:
          'A refresh token works once. Presenting one that was already used revokes every token ' +
          'descended from the same sign-in: its holder must sign in again.',
        body: Type.Object({ refreshToken: Text(1, 512) }, { additionalProperties: false }),
        response: { 200: TokenPair, ...problems(400, 401) },
      },
    },
    async (request) => {
      const rotation = await rotateRefreshToken(db, request.body.refreshToken, refreshPolicy())
      if (!rotation.ok) {
        throw new DomainError(
          'UNAUTHORIZED',
          'The refresh token is unknown, expired, revoked or already used: sign in again',
        )
      }
      return tokenPair(rotation.user, rotation.refreshToken)
    },
  )
}
