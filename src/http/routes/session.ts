// The web app's sign-in. A page's script should never hold a long-lived secret that an injected
// script could read and carry away, so the browser gets the refresh token only as an HttpOnly,
// SameSite=Strict cookie scoped to these routes; the short-lived access token is kept in memory
// by the page and re-obtained here after a reload. The cookie never authenticates any other route
// (they want the Bearer header), and SameSite=Strict keeps other sites from spending it.
import cookie from '@fastify/cookie'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { issueAccessToken, type TokenHolder, verifyLogin } from '../../auth/credentials.js'
import {
  issueRefreshToken,
  revokeRefreshToken,
  rotateRefreshToken,
} from '../../auth/refresh-tokens.js'
import { DomainError } from '../../domain/errors.js'
import type { AppDeps } from '../deps.js'
import { problems, Text } from '../schemas.js'

export const SESSION_COOKIE = 'ledger_session'
const COOKIE_PATH = '/api/session'

const SessionSchema = Type.Object({
  accessToken: Type.String({ description: 'a JWT for Authorization: Bearer; keep it in memory' }),
  tokenType: Type.Literal('Bearer'),
  expiresIn: Type.Integer({ description: 'seconds until the access token expires' }),
  user: Type.Object({
    id: Type.String(),
    username: Type.String(),
    role: Type.Union([Type.Literal('user'), Type.Literal('staff')]),
  }),
})

const cookieNote =
  `Sets the \`${SESSION_COOKIE}\` cookie (HttpOnly, SameSite=Strict, Path=${COOKIE_PATH}): ` +
  'the refresh token, which the page script never sees.'

export const sessionRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (
  app,
  { deps },
) => {
  const { db } = deps.database
  const { BCRYPT_COST, ACCESS_TOKEN_TTL_SECONDS, REFRESH_TOKEN_TTL_SECONDS } = deps.config
  const policy = () => ({ now: deps.commands.clock(), ttlSeconds: REFRESH_TOKEN_TTL_SECONDS })
  await app.register(cookie)

  const setCookie = (request: FastifyRequest, reply: FastifyReply, token: string) =>
    reply.setCookie(SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: 'strict',
      secure: request.protocol === 'https',
      path: COOKIE_PATH,
      maxAge: REFRESH_TOKEN_TTL_SECONDS,
    })
  const clearCookie = (reply: FastifyReply) =>
    reply.clearCookie(SESSION_COOKIE, { path: COOKIE_PATH })
  const session = (user: TokenHolder) => ({
    accessToken: issueAccessToken(app, user),
    tokenType: 'Bearer' as const,
    expiresIn: ACCESS_TOKEN_TTL_SECONDS,
    user,
  })

  app.post(
    '/api/session',
    {
      config: { auth: 'anyone' },
      onRequest: app.limits.login,
      schema: {
        tags: ['accounts'],
        summary: 'Sign in from the web app: an access token, and the refresh token as a cookie',
        description: cookieNote,
        body: Type.Object(
          { username: Text(1, 150), password: Text(1, 1024) },
          { additionalProperties: false },
        ),
        response: { 200: SessionSchema, ...problems(400, 401, 429) },
      },
    },
    async (request, reply) => {
      const { username, password } = request.body
      const user = await verifyLogin(db, username, password, BCRYPT_COST)
      if (!user) throw new DomainError('UNAUTHORIZED', 'Wrong username or password')
      setCookie(request, reply, await issueRefreshToken(db, user.id, policy()))
      return session(user)
    },
  )

  app.post(
    '/api/session/refresh',
    {
      config: { auth: 'anyone' },
      schema: {
        tags: ['accounts'],
        summary: 'A new access token for the session cookie (which is rotated)',
        description: `${cookieNote} Answers 401 and clears it when the session has ended.`,
        response: { 200: SessionSchema, ...problems(401) },
      },
    },
    async (request, reply) => {
      const token = request.cookies[SESSION_COOKIE]
      const rotation = token ? await rotateRefreshToken(db, token, policy()) : undefined
      if (!rotation?.ok) {
        clearCookie(reply)
        throw new DomainError('UNAUTHORIZED', 'No session: sign in')
      }
      setCookie(request, reply, rotation.refreshToken)
      return session(rotation.user)
    },
  )

  app.delete(
    '/api/session',
    {
      config: { auth: 'anyone' },
      schema: {
        tags: ['accounts'],
        summary: "Sign out: the session's refresh tokens stop working and the cookie is cleared",
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      const token = request.cookies[SESSION_COOKIE]
      if (token) await revokeRefreshToken(db, token, deps.commands.clock())
      clearCookie(reply)
      return reply.code(204).send(null)
    },
  )
}
