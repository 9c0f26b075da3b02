// `verify-export FILE... [--public-key K]`: checks an export offline, without a database or a
// configuration. K is the public key as GET /api/audit/public-key or `audit-public-key` give it
// (base64 SPKI DER, or PEM), or a file holding it. Exit 0: intact; 1: the first record that does
// not fit is named; 2: bad arguments.
import { existsSync, readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { GENESIS } from '../audit/canonical.js'
import { KeyFormatError, parsePublicKey } from '../audit/signing.js'
import { verifyExport } from '../audit/verify-export.js'

const PREFIX = 'rental-ledger verify-export:'

export async function verifyExportCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { 'public-key': { type: 'string' } },
    allowPositionals: true,
  })
  if (positionals.length === 0) {
    process.stderr.write(`${PREFIX} name the export's file(s), in order\n`)
    return 2
  }
  let key: ReturnType<typeof parsePublicKey> | undefined
  const given = values['public-key']
  if (given !== undefined) {
    try {
      key = parsePublicKey(existsSync(given) ? readFileSync(given, 'utf8') : given)
    } catch (err) {
      if (!(err instanceof KeyFormatError)) throw err
      process.stderr.write(`${PREFIX} --public-key: ${err.message}\n`)
      return 2
    }
  }
  const missing = positionals.find((f) => !existsSync(f))
  if (missing) {
    process.stderr.write(`${PREFIX} no such file: ${missing}\n`)
    return 2
  }
  const v = await verifyExport(positionals, key)
  if (!v.ok) {
    process.stdout.write(`FAILED at ${v.problem}\n`)
    return 1
  }
  const lines = [
    `OK: ${v.records} record(s), each giving its hash and following the one before it`,
    v.firstPrevHash === GENESIS
      ? 'the first record is the first of the log'
      : `the first record follows hash ${v.firstPrevHash ?? GENESIS} (an export resumed with --after)`,
    `last hash ${v.lastHash ?? GENESIS}`,
    ...v.heads.map((h) =>
      h.signedBy === 'unsigned'
        ? `head at ${h.position}: matches, UNSIGNED (no AUDIT_SIGNING_KEY on the server)`
        : h.signedBy === 'given key'
          ? `head at ${h.position}: matches, signed by the given public key`
          : `head at ${h.position}: matches, signed by the key written in the file ` +
            '(pass --public-key to check it against the key you trust)',
    ),
  ]
  if (v.heads.length === 0) lines.push('no head in the export (export --head adds one)')
  process.stdout.write(`${lines.join('\n')}\n`)
  return 0
}
