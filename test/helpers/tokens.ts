// Hand-made HS256 JWTs, so that a test's token differs from a good one in exactly one thing.
import { createHmac } from 'node:crypto'

export const b64 = (x: object) => Buffer.from(JSON.stringify(x)).toString('base64url')

/** A JWT over `payload` exactly (no `exp` unless the payload holds one), signed with `secret`. */
export function signJwt(
  payload: object,
  secret: string,
  header: object = { alg: 'HS256', typ: 'JWT' },
): string {
  const body = `${b64(header)}.${b64(payload)}`
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`
}
