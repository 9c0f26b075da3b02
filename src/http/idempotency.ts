// Idempotency-Key on commands (API.md): the same key from the same caller with the same request
// replays the first response and appends nothing; with a different request it is a 422. Only
// successful responses are kept (as Stripe does for most errors), so a refused command can be
// retried under the same key. The record is written in the command's own transaction.
import { createHmac } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Kysely } from 'kysely'
import type { CommandOptions, StoredResponse } from '../commands/execute.js'
import type { DB } from '../db/tables.js'
import { DomainError } from '../domain/errors.js'

/**
 * Anonymous callers (registration) have no namespace of their own, so their keys are scoped by
 * the request: a stranger who sends the same key with another body makes a claim of their own,
 * and can neither take the key from its owner (a 422 for them) nor read its stored response
 * without sending the very same body, password included.
 */
const ANONYMOUS = '00000000-0000-0000-0000-000000000000'
const KEY = /^[\x21-\x7e]{1,255}$/

declare module 'fastify' {
  interface FastifyInstance {
    /** Keys the request fingerprints, so a stored fingerprint of a body holding a password is no
     * offline guessing oracle (a plain fast hash would skip bcrypt's cost). */
    idempotencySecret: string
  }
}

function requestHash(request: FastifyRequest): string {
  return createHmac('sha256', request.server.idempotencySecret)
    .update(
      `${request.method} ${request.routeOptions.url}\n${JSON.stringify(request.params ?? {})}\n`,
    )
    .update(JSON.stringify(request.body ?? null))
    .digest('base64url')
}

async function replay(
  db: Kysely<DB>,
  reply: FastifyReply,
  claim: { userId: string; key: string; requestHash: string },
): Promise<boolean> {
  const stored = await db
    .selectFrom('idempotency_keys')
    .select(['request_hash', 'status_code', 'response'])
    .where('user_id', '=', claim.userId)
    .where('key', '=', claim.key)
    .executeTakeFirst()
  if (!stored) return false
  if (stored.request_hash !== claim.requestHash) {
    throw new DomainError(
      'IDEMPOTENCY_KEY_REUSED',
      'This Idempotency-Key was used with a different request',
    )
  }
  await reply.code(stored.status_code).header('idempotent-replayed', 'true').send(stored.response)
  return true
}

/**
 * Runs a command route's work under the request's Idempotency-Key, if it has one, and sends the
 * response. `run` must pass the options on to the command handler.
 */
export async function sendIdempotent<R>(
  db: Kysely<DB>,
  request: FastifyRequest,
  reply: FastifyReply,
  respond: (result: R) => StoredResponse,
  run: (options: CommandOptions<R>) => Promise<R>,
): Promise<FastifyReply> {
  const key = request.headers['idempotency-key']
  if (key === undefined) {
    const { statusCode, body } = respond(await run({}))
    return reply.code(statusCode).send(body)
  }
  if (typeof key !== 'string' || !KEY.test(key)) {
    throw new DomainError(
      'VALIDATION_FAILED',
      'Idempotency-Key must be 1 to 255 printable characters',
    )
  }
  const hash = requestHash(request)
  const userId = request.user?.id
  const claim = userId
    ? { userId, key, requestHash: hash }
    : { userId: ANONYMOUS, key: `${hash}:${key}`, requestHash: hash }
  if (await replay(db, reply, claim)) return reply
  try {
    const { statusCode, body } = respond(await run({ idempotency: { ...claim, respond } }))
    return reply.code(statusCode).send(body)
  } catch (err) {
    // The same key raced in from elsewhere and committed first: answer as it did. (Its commit
    // may also be why this attempt failed, e.g. with no copy left, so look whatever the error.)
    if (await replay(db, reply, claim)) return reply
    throw err
  }
}
