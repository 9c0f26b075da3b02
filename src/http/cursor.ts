// Opaque pagination cursors: the sort key of the last item of a page, base64url-encoded JSON.
// A cursor comes back from the client, so each part of its key is checked as the API wrote it
// before it reaches a SQL comparison or cast.
import { Type } from 'typebox'
import { DomainError } from '../domain/errors.js'

export const CursorQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  cursor: Type.Optional(
    Type.String({
      pattern: '^[A-Za-z0-9_-]+$',
      maxLength: 2048,
      description: '`nextCursor` of the previous page',
    }),
  ),
}

/** What one part of a cursor's key may be. */
export type KeyPart = (part: string) => boolean

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is what is refused
const TEXT = /^[^\u0000\ud800-\udfff]*$/u

export const uuidPart: KeyPart = (s) => UUID.test(s)
export const textPart: KeyPart = (s) => s.length <= 1000 && TEXT.test(s)
/** A time exactly as toISOString writes it. */
export const instantPart: KeyPart = (s) => {
  const time = new Date(s)
  return !Number.isNaN(time.getTime()) && time.toISOString() === s
}

export function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url')
}

/** The key of a cursor this API issued, each part checked by `parts`; 400 for anything else. */
export function decodeCursor<const P extends readonly KeyPart[]>(
  cursor: string | undefined,
  parts: P,
): { [K in keyof P]: string } | undefined {
  if (cursor === undefined) return undefined
  let key: unknown
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {}
  if (
    Array.isArray(key) &&
    key.length === parts.length &&
    key.every((k, i) => typeof k === 'string' && parts[i]!(k))
  ) {
    return key as { [K in keyof P]: string }
  }
  throw new DomainError('VALIDATION_FAILED', 'cursor is not one this API issued')
}

/** Takes one item more than the page to know whether there is a next page. */
export function page<T>(rows: T[], limit: number, keyOf: (row: T) => string[]) {
  const items = rows.slice(0, limit)
  const last = items[items.length - 1]
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(keyOf(last)) : null }
}
