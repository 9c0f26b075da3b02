// Opaque pagination cursors: the sort key of the last item of a page, base64url-encoded JSON.
import { Type } from 'typebox'
import { DomainError } from '../domain/errors.js'

export const CursorQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  cursor: Type.Optional(
    Type.String({ maxLength: 512, description: '`nextCursor` of the previous page' }),
  ),
}

export function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url')
}

export function decodeCursor(cursor: string | undefined, arity: number): string[] | undefined {
  if (cursor === undefined) return undefined
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
    if (Array.isArray(key) && key.length === arity && key.every((k) => typeof k === 'string')) {
      return key
    }
  } catch {}
  throw new DomainError('VALIDATION_FAILED', 'cursor is not one this API issued')
}

/** Takes one item more than the page to know whether there is a next page. */
export function page<T>(rows: T[], limit: number, keyOf: (row: T) => string[]) {
  const items = rows.slice(0, limit)
  const last = items[items.length - 1]
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(keyOf(last)) : null }
}
