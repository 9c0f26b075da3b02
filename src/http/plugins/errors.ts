// Every error leaves as problem+json from the one catalogue. Unknown errors are logged with their
// stack and answered with a bare 500: no internals ever reach a client.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { DomainError, type ErrorCode } from '../../domain/errors.js'
import { InvalidPositionError } from '../../eventstore/position.js'
import { type ProblemBody, problem } from '../problem.js'

const byStatus: Record<number, ErrorCode> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  408: 'REQUEST_TIMEOUT',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  414: 'URI_TOO_LONG',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  431: 'HEADERS_TOO_LARGE',
  503: 'NOT_READY',
}

/**
 * PostgreSQL's class 22, data exception (a value it cannot cast, store or compare): input that
 * slipped past the schemas. Refused as such rather than answered with a 500.
 */
const isDataException = (err: unknown) =>
  typeof (err as { code?: unknown }).code === 'string' &&
  /^22[0-9A-Z]{3}$/.test((err as { code: string }).code)

function toProblem(err: FastifyError): ProblemBody | undefined {
  if (err instanceof DomainError) return problem(err.code, err.detail)
  if (err instanceof InvalidPositionError) return problem('VALIDATION_FAILED', err.message)
  if (isDataException(err))
    return problem('VALIDATION_FAILED', 'A value in the request is not valid')
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
    return { ...base, status }
  }
  return undefined
}

/**
 * Fastify's `frameworkErrors`: what the router refuses before any route or hook runs (a URL it
 * cannot decode, a path parameter over maxParamLength), answered like every other error.
 */
export function frameworkErrors(err: FastifyError, _request: FastifyRequest, reply: FastifyReply) {
  const body = toProblem(err) ?? problem('VALIDATION_FAILED', err.message)
  return reply.code(body.status).type('application/problem+json').send(body)
}

/** Extends a problem body with a route family's own members (RFC 9457 extension members). */
export type ProblemShape = (body: ProblemBody, err: FastifyError) => ProblemBody

/**
 * Answers an error as problem+json; `shape` (a route family's error handler, e.g. the old
 * service's paths) may add members or restate the problem, never drop the standard ones.
 */
export function sendProblem(
  err: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
  shape?: ProblemShape,
) {
  const found = toProblem(err)
  if (isDataException(err)) {
    request.log.warn({ err }, 'input reached PostgreSQL that a schema should have refused')
  }
  if (!found) {
    request.log.error({ err }, 'unhandled error')
    return reply
      .code(500)
      .type('application/problem+json')
      .send(problem('INTERNAL', 'Something went wrong on our side; it has been logged.'))
  }
  const body = shape ? shape(found, err) : found
  if (body.status === 429 && !reply.hasHeader('retry-after')) reply.header('retry-after', '60')
  if (body.status === 503 && !reply.hasHeader('retry-after')) reply.header('retry-after', '1')
  return reply.code(body.status).type('application/problem+json').send(body)
}

export const errorsPlugin = fp(async (app: FastifyInstance) => {
  app.setErrorHandler((err: FastifyError, request, reply) => sendProblem(err, request, reply))
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .type('application/problem+json')
      .send(problem('NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}`)),
  )
})
