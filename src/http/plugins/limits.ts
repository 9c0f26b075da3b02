// Abuse limits on the anonymous routes that cost bcrypt work (issue 11 §2). Each limiter is made
// once, with one store, and every route of its kind uses that same hook: the login routes of both
// APIs share one count of attempts per client, and so do the registration routes. On top, each
// username gets an exponential delay after repeated failures, from any client, that slows a
// distributed guesser without ever locking the real user out for more than the cap.
// The stores live in the process: with several API replicas each counts for itself.
import rateLimit from '@fastify/rate-limit'
import type { FastifyInstance, FastifyReply, onRequestAsyncHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import { DomainError } from '../../domain/errors.js'

export interface LimitSettings {
  LOGIN_MAX_PER_MINUTE: number
  REGISTRATIONS_PER_HOUR: number
}

declare module 'fastify' {
  interface FastifyInstance {
    limits: {
      /** onRequest hook of every password login. */
      login: onRequestAsyncHookHandler
      /** onRequest hook of every registration. */
      registration: onRequestAsyncHookHandler
      usernames: UsernameThrottle
    }
  }
}

/** Failures of one username allowed before any delay. */
const FREE_FAILURES = 3
const FIRST_DELAY_MS = 1000
const MAX_DELAY_MS = 60_000
/** Usernames remembered; the oldest are forgotten first (memory stays bounded under a spray). */
const REMEMBERED = 10_000

/**
 * Consecutive failed logins per username (any case). After FREE_FAILURES the next attempt must
 * wait 1 s, then 2 s, 4 s... up to MAX_DELAY_MS; attempts inside the wait are refused before any
 * password is checked and do not count. A success clears the username.
 */
export class UsernameThrottle {
  private readonly entries = new Map<string, { failures: number; until: number }>()

  constructor(private readonly now: () => number = Date.now) {}

  /** Milliseconds before `username` may be tried again; 0 when it may be now. */
  wait(username: string): number {
    const entry = this.entries.get(username.toLowerCase())
    return entry ? Math.max(0, entry.until - this.now()) : 0
  }

  failed(username: string): void {
    const key = username.toLowerCase()
    const failures = (this.entries.get(key)?.failures ?? 0) + 1
    const over = failures - FREE_FAILURES
    const delay = over > 0 ? Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** (over - 1)) : 0
    this.entries.delete(key)
    this.entries.set(key, { failures, until: this.now() + delay })
    if (this.entries.size > REMEMBERED) {
      this.entries.delete(this.entries.keys().next().value as string)
    }
  }

  succeeded(username: string): void {
    this.entries.delete(username.toLowerCase())
  }

  /**
   * One sign-in attempt for `username`: refused with RATE_LIMITED (and Retry-After) while the
   * username must wait, else `verify` runs and its outcome is recorded.
   */
  async attempt<T>(
    username: string,
    reply: FastifyReply,
    verify: () => Promise<T | undefined>,
  ): Promise<T | undefined> {
    const ms = this.wait(username)
    if (ms > 0) {
      reply.header('retry-after', String(Math.ceil(ms / 1000)))
      throw new DomainError(
        'RATE_LIMITED',
        'Too many failed sign-ins for this username: wait before trying again',
      )
    }
    const user = await verify()
    if (user) this.succeeded(username)
    else this.failed(username)
    return user
  }
}

export const limitsPlugin = fp(async (app: FastifyInstance, opts: { settings: LimitSettings }) => {
  await app.register(rateLimit, { global: false })
  app.decorate('limits', {
    // Every attempt counts, so that guessing costs as much as signing in.
    login: app.rateLimit({ max: opts.settings.LOGIN_MAX_PER_MINUTE, timeWindow: 60_000 }),
    registration: app.rateLimit({
      max: opts.settings.REGISTRATIONS_PER_HOUR,
      timeWindow: 3_600_000,
    }),
    usernames: new UsernameThrottle(),
  })
})
