// `verify`: rebuilds every read model into scratch tables, compares each with the live one at the
// same checkpoint, prints the rows that differ and exits 1 if any do (or if a live one lags).
import { parseArgs } from 'node:util'
import pino from 'pino'
import { PROJECTIONS } from '../../projections/index.js'
import type { Config } from '../config.js'
import { openDatabase } from '../db/database.js'
import { START } from '../eventstore/position.js'
import { countLogAfter } from '../eventstore/reader.js'
import { progressBar } from '../projector/progress-bar.js'
import {
  type ProjectionVerdict,
  type VerifyResult,
  verifyProjections,
} from '../projector/verify.js'
import { prepareDatabase } from '../service.js'
import { sweepScratch } from './replay.js'
import { verifyAuditChain } from './verify-chain.js'

export async function verify(args: string[], config: Config): Promise<number> {
  parseArgs({ args, options: {} })
  const logger = pino({ level: config.LOG_LEVEL })
  const database = await openDatabase(config)
  try {
    await prepareDatabase(config, database)
    let ok = true
    for (const p of PROJECTIONS) {
      await sweepScratch(database.db, p, logger)
      const total = await countLogAfter(database.db, START)
      const bar = progressBar({ label: `verify ${p.name}`, total, log: (l) => logger.info(l) })
      const result = await verifyProjections(database.db, [p], {
        onProgress: (_, n) => bar.tick(n),
      })
      bar.stop()
      process.stdout.write(formatVerifyResult(result))
      ok &&= result.ok
    }
    ok = (await verifyAuditChain(database.db, config, logger)) && ok
    return ok ? 0 : 1
  } finally {
    await database.close()
  }
}

export function formatVerifyResult(result: VerifyResult): string {
  return result.projections.map(formatVerdict).join('')
}

function formatVerdict(v: ProjectionVerdict): string {
  if (v.status === 'equal') return `${v.projection}: equal to a rebuild at position ${v.position}\n`
  if (v.status === 'lagging') {
    return (
      `${v.projection}: LAGGING: the live read model stayed at ${v.position}, behind the log; ` +
      'are its workers running?\n'
    )
  }
  const lines = [`${v.projection}: DIFFERENT from a rebuild at position ${v.position}`]
  for (const d of v.diffs) {
    if (d.problem) {
      lines.push(`  table ${d.table}: ${d.problem}`)
      continue
    }
    lines.push(
      `  table ${d.table}: ${d.onlyInLiveCount} row(s) only in live, ${d.onlyInRebuildCount} only in rebuild`,
    )
    for (const row of d.onlyInLive) lines.push(`    only in live:    ${JSON.stringify(row)}`)
    for (const row of d.onlyInRebuild) lines.push(`    only in rebuild: ${JSON.stringify(row)}`)
  }
  return `${lines.join('\n')}\n`
}
