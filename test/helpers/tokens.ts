// Access tokens a well-behaved issuer would never make, signed with the right key.
import { createHmac } from 'node:crypto'

const b64 = (x: object) => Buffer.from(JSON.stringify(x)).toString('base64url')

/** An HS256 JWT over `claims` exactly, so without `exp` unless the claims hold one. */
export function signWithoutExp(secret: string, claims: Record<string, unknown>): string {
  const unsigned = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`
}
