// problem+json (RFC 9457) from the one error catalogue, and its schema for the OpenAPI document.
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
