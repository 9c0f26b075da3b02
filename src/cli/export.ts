// `export`: the audit export (the same stream as GET /api/audit/events) to stdout, or to a file
// with a progress bar. A file is written as FILE.partial and renamed when complete, so a crash
// never leaves a half export under the final name; its last line's position resumes it (--after).
import { open, rename } from 'node:fs/promises'
import { pipeline } from 'node:stream/promises'
import { parseArgs } from 'node:util'
import pino from 'pino'
import {
  type ExportFormat,
  type ExportOptions,
  type ExportQuery,
  exportBytes,
  exportStream,
  parseExportInput,
} from '../audit/export.js'
import { loadSigningKey } from '../audit/signing.js'
import type { Config } from '../config.js'
import { type Database, openDatabase } from '../db/database.js'
import { prepareDatabase } from '../db/prepare.js'
import { DomainError } from '../domain/errors.js'
import { countLogAfter } from '../eventstore/reader.js'
import { type Progress, progressBar } from '../projector/progress-bar.js'

const PREFIX = 'rental-ledger export:'
const FORMATS: readonly string[] = ['ndjson', 'csv'] satisfies ExportFormat[]

export async function exportLog(args: string[], config: Config): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      format: { type: 'string', default: 'ndjson' },
      out: { type: 'string' },
      after: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      type: { type: 'string', multiple: true },
      'stream-id': { type: 'string' },
      head: { type: 'boolean', default: false },
    },
  })
  if (!FORMATS.includes(values.format)) {
    process.stderr.write(`${PREFIX} --format is ndjson or csv, not '${values.format}'\n`)
    return 2
  }
  const format = values.format as ExportFormat
  let query: ExportQuery
  try {
    query = parseExportInput({
      after: values.after,
      from: values.from,
      to: values.to,
      type: values.type?.join(','),
      streamId: values['stream-id'],
    })
  } catch (err) {
    if (!(err instanceof DomainError)) throw err
    process.stderr.write(`${PREFIX} ${err.detail}\n`)
    return 2
  }
  const database = await openDatabase(config)
  try {
    await prepareDatabase(config, database)
    const db = database.db
    const head = values.head ? { key: loadSigningKey(config.AUDIT_SIGNING_KEY) } : undefined
    if (values.out === undefined) {
      try {
        await pipeline(exportStream(database, { ...query, format, head }), process.stdout)
      } catch (err) {
        // The reader went away (`| head`): not a failure of the export.
        if ((err as { code?: string }).code !== 'EPIPE') throw err
      }
      return 0
    }
    const out = values.out
    const logger = pino({ level: config.LOG_LEVEL })
    // The bar's total is counted beside the export, not before it (a second scan of the log):
    // records written before the count is in are ticked when it is.
    let bar: Progress | undefined
    let before = 0
    const counted = countLogAfter(db, query.after, query.filter).then((total) => {
      bar = progressBar({ label: `export ${out}`, total, log: (l) => logger.info(l) })
      bar.tick(before)
    })
    const tick = (n: number) => {
      if (bar) bar.tick(n)
      else before += n
    }
    const partial = `${out}.partial`
    await Promise.all([
      counted,
      writeFile(partial, database, { ...query, format, head, onPage: tick }),
    ])
    bar?.stop()
    await rename(partial, out)
    return 0
  } finally {
    await database.close()
  }
}

/**
 * Writes the export to `path`, each chunk written before the next is encoded: the encoder
 * reuses one buffer, and the process holds one chunk at a time.
 */
async function writeFile(path: string, database: Database, options: ExportOptions): Promise<void> {
  const file = await open(path, 'w')
  try {
    for await (const bytes of exportBytes(database, options)) await file.writeFile(bytes)
  } finally {
    await file.close()
  }
}
