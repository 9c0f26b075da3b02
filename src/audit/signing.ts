// Signed heads: a head is (position, hash) of a chained event and the time it was signed, signed
// with Ed25519 over the canonical (JCS) form of those fields. The private key is AUDIT_SIGNING_KEY:
// a PKCS#8 Ed25519 key, PEM or the base64 of its DER. Without one, heads are unsigned.
import {
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  sign,
  verify as verifySignature,
} from 'node:crypto'
import canonicalize from 'canonicalize'

export const ALGORITHM = 'Ed25519'
const KIND = 'rental-ledger.audit-head.v1'

export interface Head {
  position: string
  hash: string
  signedAt: string
  /** base64 Ed25519 signature of headMessage(); null when no key is configured */
  signature: string | null
  /** the signer's public key (base64 SPKI DER), as a convenience: an auditor trusts their own copy */
  publicKey: string | null
}

export interface SigningKey {
  privateKey: KeyObject
  publicKeyObject: KeyObject
  /** base64 of the SPKI DER */
  publicKey: string
  publicKeyPem: string
}

export class KeyFormatError extends Error {
  override name = 'KeyFormatError'
}

/** Parses AUDIT_SIGNING_KEY (PEM, or base64 PKCS#8 DER); undefined when it is not set. */
export function loadSigningKey(text: string | undefined): SigningKey | undefined {
  if (!text) return undefined
  let privateKey: KeyObject
  try {
    privateKey = text.includes('-----BEGIN')
      ? createPrivateKey(text)
      : createPrivateKey({ key: Buffer.from(text.trim(), 'base64'), format: 'der', type: 'pkcs8' })
  } catch (err) {
    throw new KeyFormatError(
      `not a PKCS#8 private key (PEM or base64 DER): ${(err as Error).message}`,
    )
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new KeyFormatError(`an ${ALGORITHM} key is needed, not ${privateKey.asymmetricKeyType}`)
  }
  const pub = createPublicKey(privateKey)
  return {
    privateKey,
    publicKeyObject: pub,
    publicKey: pub.export({ format: 'der', type: 'spki' }).toString('base64'),
    publicKeyPem: pub.export({ format: 'pem', type: 'spki' }).toString(),
  }
}

/** A public key given to verify-export: PEM, or base64 SPKI DER (as GET /api/audit/public-key). */
export function parsePublicKey(text: string): KeyObject {
  try {
    const key = text.includes('-----BEGIN')
      ? createPublicKey(text)
      : createPublicKey({ key: Buffer.from(text.trim(), 'base64'), format: 'der', type: 'spki' })
    if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${key.asymmetricKeyType} key`)
    return key
  } catch (err) {
    throw new KeyFormatError(`not an ${ALGORITHM} public key: ${(err as Error).message}`)
  }
}

function headMessage(h: Pick<Head, 'position' | 'hash' | 'signedAt'>): Buffer {
  return Buffer.from(
    canonicalize({ kind: KIND, position: h.position, hash: h.hash, signedAt: h.signedAt })!,
  )
}

export function signHead(
  key: SigningKey | undefined,
  at: { position: string; hash: string },
  signedAt: Date,
): Head {
  const head = { ...at, signedAt: signedAt.toISOString() }
  if (!key) return { ...head, signature: null, publicKey: null }
  return {
    ...head,
    signature: sign(null, headMessage(head), key.privateKey).toString('base64'),
    publicKey: key.publicKey,
  }
}

/** True when the head carries a signature that `key` made. */
export function headSignedBy(head: Head, key: KeyObject): boolean {
  if (!head.signature) return false
  return verifySignature(null, headMessage(head), key, Buffer.from(head.signature, 'base64'))
}
