// Sign-in and registration on the old service's paths: both answer with an access token.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { hashPassword, issueAccessToken, verifyLogin } from '../../../auth/credentials.js'
import { refuseTaken, registerUser } from '../../../commands/accounts.js'
import { DomainError } from '../../../domain/errors.js'
import type { AppDeps } from '../../deps.js'
import { problem } from '../../problem.js'
import { problems, Text } from '../../schemas.js'
import { passwordTooLong, RegisterBody } from '../auth.js'
import { meta } from '../command-meta.js'

const tags = ['seed-compatible']
/** The rules of POST /api/auth/register. */
const Registration = RegisterBody.properties

const TokenResponse = Type.Object({
  token: Type.String({ description: 'an access token: send it as `Authorization: JWT <token>`' }),
})

export const seedAccountRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (
  app,
  { deps },
) => {
  const db = deps.database.db

  app.post(
    '/api-token-auth/',
    {
      config: { auth: 'anyone' },
      onRequest: app.limits.login,
      schema: {
        tags,
        summary: 'Sign in (the old obtain_auth_token)',
        description:
          'Changed from the old service: wrong credentials answer 401 problem+json (the old one ' +
          'said 400), with the same body for an unknown user and a wrong password; the token is a ' +
          'short-lived access token, accepted as `Authorization: JWT <token>` or `Bearer <token>`; ' +
          'attempts are rate limited together with POST /api/auth/token (429 when exceeded).',
        body: Type.Object(
          { username: Text(1, 150), password: Text(1, 1024) },
          { additionalProperties: false },
        ),
        response: { 200: TokenResponse, ...problems(400, 401, 429) },
      },
    },
    async (request, reply) => {
      const { username, password } = request.body
      const user = await app.limits.usernames.attempt(username, reply, () =>
        verifyLogin(db, username, password, deps.config.BCRYPT_COST),
      )
      if (!user) throw new DomainError('UNAUTHORIZED', 'Unknown username or wrong password')
      return { token: issueAccessToken(app, user) }
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
          'Registers a user account, as POST /api/auth/register does, and answers with an access ' +
          'token. Changed from the old service: the rules of POST /api/auth/register apply ' +
          '(password of at least 8 characters, a valid email, a taken username or email is 409 ' +
          'problem+json); password2 must equal password1. No Idempotency-Key here: the answer ' +
          'holds a token, which is never stored; a retry that already succeeded gets 409.',
        body: Type.Object(
          {
            username: Registration.username,
            email: Registration.email,
            password1: Registration.password,
            password2: { ...Registration.password, description: 'password1 again' },
          },
          { additionalProperties: false },
        ),
        response: { 201: TokenResponse, ...problems(400, 409, 429) },
      },
    },
    async (request, reply) => {
      const { username, email, password1, password2 } = request.body
      // Rules a schema cannot say, answered in the shape of a schema failure.
      const mismatch = password1 !== password2
      const invalid = mismatch ? 'must equal password1' : passwordTooLong(password1)
      if (invalid) {
        const path = mismatch ? 'body/password2' : 'body/password1'
        return reply
          .code(400)
          .type('application/problem+json')
          .send(problem('VALIDATION_FAILED', `${path} ${invalid}`, [{ path, message: invalid }]))
      }
      await refuseTaken(db, { username, email })
      const passwordHash = await hashPassword(password1, deps.config.BCRYPT_COST)
      const { user } = await registerUser(
        deps.commands,
        { username, email, passwordHash, role: 'user' },
        meta(request),
      )
      return reply.code(201).send({ token: issueAccessToken(app, user) })
    },
  )
}
