// Who may call what. Every route declares `config.auth`: 'anyone', 'user' (any signed-in account)
// or 'staff'; one hook enforces it and the same declaration marks the route secured in OpenAPI.
// Tokens come as `Authorization: Bearer <t>` or, for the old service's clients, `JWT <t>`.
import jwt from '@fastify/jwt'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { DomainError } from '../../domain/errors.js'
import type { Role } from '../../domain/events.js'

export type AuthLevel = 'anyone' | 'user' | 'staff'

export interface AccessClaims {
  sub: string
  role: Role
  username: string
  /** The old service's claims: the same id as `sub`, and the account's email. */
  user_id?: string
  email?: string
  /** When the first token of a refreshed chain was issued (seconds since the epoch). */
  orig_iat?: number
}

export interface AuthUser {
  id: string
  role: Role
  username: string
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: AccessClaims
    user: AuthUser
  }
}

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: AuthLevel
  }
}

const SCHEME = /^(Bearer|JWT)\s+(\S+)\s*$/i

function extractToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization
  return header ? SCHEME.exec(header)?.[2] : undefined
}

export const authPlugin = fp(
  async (app: FastifyInstance, opts: { secret: string; accessTtlSeconds: number }) => {
    await app.register(jwt, {
      secret: opts.secret,
      sign: { algorithm: 'HS256', expiresIn: opts.accessTtlSeconds },
      // Only our algorithm: `alg: none` and algorithm-confusion tokens fail verification.
      // A token that never expires is refused, however well signed.
      verify: {
        algorithms: ['HS256'],
        requiredClaims: ['exp', 'sub'],
        extractToken: (r) => extractToken(r) ?? '',
      },
      formatUser: (p) => ({ id: p.sub, role: p.role, username: p.username }),
    })

    app.addHook('onRoute', (route) => {
      const level = route.config?.auth
      if (level === undefined) {
        throw new Error(`route ${route.method} ${route.url} does not declare config.auth`)
      }
      if (level !== 'anyone' && route.schema) {
        ;(route.schema as { security?: unknown }).security = [{ bearerAuth: [] }]
      }
    })

    app.addHook('onRequest', async (request) => {
      const level = request.routeOptions.config.auth
      const token = extractToken(request)
      if (level === 'anyone' || level === undefined) return
      if (!token)
        throw new DomainError('UNAUTHORIZED', 'Sign in: send Authorization: Bearer <token>')
      try {
        await request.jwtVerify()
      } catch {
        throw new DomainError('UNAUTHORIZED', 'The access token is invalid or has expired')
      }
      if (level === 'staff' && request.user.role !== 'staff') {
        throw new DomainError('FORBIDDEN', 'Staff only')
      }
    })
  },
)

/** The signed-in user; only on routes whose auth is 'user' or 'staff'. */
export function currentUser(request: FastifyRequest): AuthUser {
  return request.user
}

/** A user reaches only their own records; staff reach everyone's. */
export function assertSelfOrStaff(request: FastifyRequest, userId: string): void {
  const me = currentUser(request)
  if (me.role !== 'staff' && me.id !== userId) {
    throw new DomainError('FORBIDDEN', 'You may only see or change your own records')
  }
}
