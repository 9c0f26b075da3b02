// `audit-public-key`: the public half of AUDIT_SIGNING_KEY, PEM (--format pem, the default) or the
// base64 of its SPKI DER (--format base64), for auditors' verify-export --public-key.
import { parseArgs } from 'node:util'
import { loadSigningKey } from '../audit/signing.js'
import type { Config } from '../config.js'

export async function auditPublicKey(args: string[], config: Config): Promise<number> {
  const { values } = parseArgs({ args, options: { format: { type: 'string', default: 'pem' } } })
  if (values.format !== 'pem' && values.format !== 'base64') {
    process.stderr.write(`rental-ledger audit-public-key: --format is pem or base64\n`)
    return 2
  }
  const key = loadSigningKey(config.AUDIT_SIGNING_KEY)
  if (!key) {
    process.stderr.write(
      'rental-ledger audit-public-key: AUDIT_SIGNING_KEY is not set: audit heads are unsigned\n',
    )
    return 1
  }
  process.stdout.write(values.format === 'pem' ? key.publicKeyPem : `${key.publicKey}\n`)
  return 0
}
