import type { FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import type { EventMetadata } from '../../eventstore/append.js'

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      pattern: '^[\\x21-\\x7e]{1,255}$',
      description:
        'makes the command safe to retry: the same key and body replay the first response; another body gets 422',
    }),
  ),
})

/** Event metadata of a command from this request: who, and which request. */
export function meta(request: FastifyRequest): EventMetadata {
  const key = request.headers['idempotency-key']
  return {
    ...(request.user?.id && { actor: request.user.id }),
    correlationId: request.id,
    ...(typeof key === 'string' && { idempotencyKey: key }),
  }
}
