// Sign-in, token refresh and verify, and registration on the old service's paths: each answers
// with an access token (`{token}`), and refuses in the old service's words (./old-errors.ts).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import {
  findTokenHolder,
  hashPassword,
  issueAccessToken,
  verifyLogin,
} from '../../../auth/credentials.js'
import { refuseTaken, registerUser } from '../../../commands/accounts.js'
import type { AppDeps } from '../../deps.js'
import type { AccessClaims } from '../../plugins/auth.js'
import { Text } from '../../schemas.js'
import { fieldFailure } from '../../validation.js'
import { passwordTooLong, RegisterBody } from '../auth.js'
import { meta } from '../command-meta.js'
import { nonFieldError, oldProblems } from './old-errors.js'
import { tags } from './shapes.js'

/** The rules of POST /api/auth/register. */
const Registration = RegisterBody.properties

const TokenResponse = Type.Object({
  token: Type.String({ description: 'an access token: send it as `Authorization: JWT <token>`' }),
})
const TokenBody = Type.Object(
  { token: Text(1, 4096, 'an access token') },
  { additionalProperties: false },
)

const ERRORS_IN_OLD_WORDS =
  'Errors are problem+json and carry the old keys too (`non_field_errors`, or the field’s name, ' +
  'each a list of messages), so that old clients read them where they did. '

export const seedAuthRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (
  app,
  { deps },
) => {
  const db = deps.database.db
  const { BCRYPT_COST, REFRESH_TOKEN_TTL_SECONDS } = deps.config

  /** The token's claims and account, or the old service's refusal (400 non_field_errors). */
  async function holderOf(token: string) {
    let claims: AccessClaims & { iat?: number }
    try {
      claims = app.jwt.verify<AccessClaims & { iat?: number }>(token)
    } catch (err) {
      const expired = /EXPIRED/.test(String((err as { code?: unknown }).code))
      throw nonFieldError(expired ? 'Signature has expired.' : 'Error decoding signature.')
    }
    const holder = await findTokenHolder(db, claims.sub)
    if (!holder) throw nonFieldError("User doesn't exist.")
    return { claims, holder }
  }

  app.post(
    '/api-token-auth/',
    {
      config: { auth: 'anyone' },
      onRequest: app.limits.login,
      schema: {
        tags,
        summary: 'Sign in (the old obtain_jwt_token)',
        description:
          'Answers `{token}`, a short-lived access token, accepted as `Authorization: JWT <token>` ' +
          'or `Bearer <token>`; its payload holds `user_id`, `username`, `email` and `exp`. Wrong ' +
          'credentials are 400 `{non_field_errors: ["Unable to log in with provided ' +
          'credentials."]}`, the same for an unknown user and a wrong password; a missing field ' +
          'is 400 `{<field>: ["This field is required."]}`. ' +
          ERRORS_IN_OLD_WORDS +
          'Changed from the old service: attempts are rate limited together with POST ' +
          '/api/auth/token (429 when exceeded).',
        body: Type.Object(
          { username: Text(1, 150), password: Text(1, 1024) },
          { additionalProperties: false },
        ),
        response: { 200: TokenResponse, ...oldProblems(400, 429) },
      },
    },
    async (request, reply) => {
      const { username, password } = request.body
      const user = await app.limits.usernames.attempt(username, reply, () =>
        verifyLogin(db, username, password, BCRYPT_COST),
      )
      if (!user) throw nonFieldError('Unable to log in with provided credentials.')
      return { token: issueAccessToken(app, user) }
    },
  )

  app.post(
    '/api-token-refresh/',
    {
      config: { auth: 'anyone' },
      schema: {
        tags,
        summary: 'A fresh token for a valid one (the old refresh_jwt_token)',
        description:
          'A valid, unexpired token is traded for a new one with a new `exp`, naming the account ' +
          'as it is now (its role and email). The chain of refreshes ends as the old one did: no ' +
          'refresh more than REFRESH_TOKEN_TTL_SECONDS after the sign-in that began it ' +
          '(`orig_iat`). Else 400 `{non_field_errors: ["Signature has expired."]}`, ' +
          '`["Error decoding signature."]`, `["Refresh has expired."]` or `["User doesn\'t ' +
          'exist."]`. ' +
          ERRORS_IN_OLD_WORDS,
        body: TokenBody,
        response: { 200: TokenResponse, ...oldProblems(400) },
      },
    },
    async (request) => {
      const { claims, holder } = await holderOf(request.body.token)
      const origIat = claims.orig_iat ?? claims.iat ?? 0
      if (origIat + REFRESH_TOKEN_TTL_SECONDS < Date.now() / 1000) {
        throw nonFieldError('Refresh has expired.')
      }
      return { token: issueAccessToken(app, holder, origIat) }
    },
  )

  app.post(
    '/api-token-verify/',
    {
      config: { auth: 'anyone' },
      schema: {
        tags,
        summary: 'Check a token (the old verify_jwt_token)',
        description:
          'Answers the same `{token}` when it is valid, unexpired and names an account; else 400 ' +
          '`{non_field_errors: ["Signature has expired."]}`, `["Error decoding signature."]` or ' +
          '`["User doesn\'t exist."]`. ' +
          ERRORS_IN_OLD_WORDS,
        body: TokenBody,
        response: { 200: TokenResponse, ...oldProblems(400) },
      },
    },
    async (request) => {
      await holderOf(request.body.token)
      return { token: request.body.token }
    },
  )

  app.post(
    '/api/rest-auth/registration/',
    {
      config: { auth: 'anyone' },
      onRequest: app.limits.registration,
      schema: {
        tags,
        summary: 'Register an account (the old rest-auth registration)',
        description:
          'Registers a user account, as POST /api/auth/register does, and answers 201 `{token}`. ' +
          'Field errors are 400 in the old shape: `{password1: ["This password is too short. It ' +
          'must contain at least 8 characters."]}`, `{non_field_errors: ["The two password ' +
          'fields didn\'t match."]}`, `{username: ["A user with that username already ' +
          'exists."]}`, `{email: ["A user is already registered with this e-mail address."]}`. ' +
          ERRORS_IN_OLD_WORDS +
          'Changed from the old service: the rules of POST /api/auth/register apply (a password ' +
          'of 8 to 72 bytes, a valid email when one is given). No Idempotency-Key here: the ' +
          'answer holds a token, which is never stored; a retry that already succeeded is told ' +
          'the username is taken.',
        body: Type.Object(
          {
            username: Registration.username,
            email: Type.Optional(
              Type.Union([Registration.email, Type.Literal('')], {
                description: 'optional: left out or "" for none',
              }),
            ),
            password1: Registration.password,
            password2: { ...Registration.password, description: 'password1 again' },
          },
          { additionalProperties: false },
        ),
        response: { 201: TokenResponse, ...oldProblems(400, 429) },
      },
    },
    async (request, reply) => {
      const { username, password1, password2 } = request.body
      const email = request.body.email || null
      const tooLong = passwordTooLong(password1)
      if (tooLong) throw fieldFailure('password1', tooLong)
      if (password1 !== password2) throw nonFieldError("The two password fields didn't match.")
      await refuseTaken(db, { username, email })
      const passwordHash = await hashPassword(password1, BCRYPT_COST)
      const { user } = await registerUser(
        deps.commands,
        { username, email, passwordHash, role: 'user' },
        meta(request),
      )
      return reply.code(201).send({ token: issueAccessToken(app, user) })
    },
  )
}
