// `verify`'s audit-chain part (its own module: `verify` also checks the read models).
import type { Kysely } from 'kysely'
import type { Logger } from 'pino'
import { loadSigningKey } from '../audit/signing.js'
import { formatChainVerdict, verifyChain } from '../audit/verify-chain.js'
import type { Config } from '../config.js'
import type { DB } from '../db/tables.js'
import { START } from '../eventstore/position.js'
import { countLogAfter } from '../eventstore/reader.js'
import { progressBar } from '../projector/progress-bar.js'

/** Prints the chain's verdict; false when the stored chain or a head does not fit the log. */
export async function verifyAuditChain(
  db: Kysely<DB>,
  config: Pick<Config, 'AUDIT_SIGNING_KEY'>,
  logger: Logger,
): Promise<boolean> {
  const total = await countLogAfter(db, START)
  const bar = progressBar({ label: 'verify audit chain', total, log: (l) => logger.info(l) })
  const verdict = await verifyChain(db, loadSigningKey(config.AUDIT_SIGNING_KEY), (n) =>
    bar.tick(n),
  )
  bar.stop()
  process.stdout.write(formatChainVerdict(verdict))
  return verdict.ok
}
