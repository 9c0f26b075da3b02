// Every error leaves as problem+json from the one catalogue. Unknown errors are logged with their
// stack and answered with a bare 500: no internals ever reach a client.
import type { FastifyError, FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { DomainError, type ErrorCode } from '../../domain/errors.js'
import { InvalidPositionError } from '../../eventstore/position.js'
import { problem } from '../problem.js'

const byStatus: Record<number, ErrorCode> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  429: 'RATE_LIMITED',
  503: 'NOT_READY',
}

function toProblem(err: FastifyError) {
  if (err instanceof DomainError) return problem(err.code, err.detail)
  if (err instanceof InvalidPositionError) return problem('VALIDATION_FAILED', err.message)
  if (err.validation) {
    const errors = err.validation.map((v) => ({
      path: `${err.validationContext ?? 'body'}${v.instancePath || ''}${
        v.params && 'missingProperty' in v.params ? `/${v.params.missingProperty}` : ''
      }${v.params && 'additionalProperty' in v.params ? `/${v.params.additionalProperty}` : ''}`,
      message: v.message ?? 'is invalid',
    }))
    return problem(
      'VALIDATION_FAILED',
      errors.map((e) => `${e.path} ${e.message}`).join('; '),
      errors,
    )
  }
  const status = err.statusCode ?? 500
  if (status >= 400 && status < 500) {
    // Fastify's own client errors (malformed JSON, body too large, bad media type): keep the status.
    const base = problem(byStatus[status] ?? 'VALIDATION_FAILED', err.message)
    return { ...base, status, title: status === 413 ? 'Payload too large' : base.title }
  }
  return undefined
}

export const errorsPlugin = fp(async (app: FastifyInstance) => {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const body = toProblem(err)
    if (!body) {
      request.log.error({ err }, 'unhandled error')
      return reply
        .code(500)
        .type('application/problem+json')
        .send(problem('INTERNAL', 'Something went wrong on our side; it has been logged.'))
    }
    if (body.status === 429 && !reply.hasHeader('retry-after')) reply.header('retry-after', '60')
    if (body.status === 503 && !reply.hasHeader('retry-after')) reply.header('retry-after', '1')
    return reply.code(body.status).type('application/problem+json').send(body)
  })
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .type('application/problem+json')
      .send(problem('NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}`)),
  )
})
