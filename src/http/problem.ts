// problem+json (RFC 9457) from the one error catalogue, and its schema for the OpenAPI document.
import { STATUS_CODES } from 'node:http'
import type { Duplex } from 'node:stream'
import { Type } from 'typebox'
import { ERRORS, type ErrorCode, problemType } from '../domain/errors.js'

export const ProblemSchema = Type.Object(
  {
    type: Type.String({ examples: ['urn:rental-ledger:error:no-copy-available'] }),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String({ description: 'stable error code from the catalogue' }),
    errors: Type.Optional(
      Type.Array(Type.Object({ path: Type.String(), message: Type.String() }), {
        description: 'validation failures, one per field',
      }),
    ),
  },
  { $id: 'Problem', description: 'RFC 9457 problem details' },
)

export interface ProblemBody {
  type: string
  title: string
  status: number
  detail: string
  code: ErrorCode
  errors?: { path: string; message: string }[]
}

export function problem(
  code: ErrorCode,
  detail?: string,
  errors?: ProblemBody['errors'],
): ProblemBody {
  const entry = ERRORS[code]
  return {
    type: problemType(code),
    title: entry.title,
    status: entry.status,
    detail: detail ?? entry.title,
    code,
    ...(errors && { errors }),
  }
}

/** A client error Node's HTTP parser met before any route (no Fastify reply exists yet). */
const PARSER_ERRORS: Record<string, ErrorCode> = {
  HPE_HEADER_OVERFLOW: 'HEADERS_TOO_LARGE',
  ERR_HTTP_REQUEST_TIMEOUT: 'REQUEST_TIMEOUT',
}

/**
 * Fastify's `clientErrorHandler`: the same answers as its default (431 for oversized headers, 408
 * for a request that took too long to arrive, else 400), but as problem+json from the catalogue.
 */
export function clientErrorHandler(err: Error & { code?: string }, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return
  if (socket.writable) {
    const body = problem(PARSER_ERRORS[err.code ?? ''] ?? 'VALIDATION_FAILED')
    if (body.code === 'VALIDATION_FAILED') body.detail = 'The request is not valid HTTP'
    const text = JSON.stringify(body)
    socket.write(
      `HTTP/1.1 ${body.status} ${STATUS_CODES[body.status]}\r\n` +
        `Content-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(text)}\r\n` +
        `Connection: close\r\n\r\n${text}`,
    )
  }
  socket.destroy(err)
}
