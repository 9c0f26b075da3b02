import { parseArgs } from 'node:util'
import type { Config } from '../config.js'
import { openDatabase } from '../db/database.js'
import { migrateToLatest } from '../db/migrate.js'

export async function migrate(args: string[], config: Config): Promise<number> {
  parseArgs({ args, options: {} })
  const database = await openDatabase(config)
  try {
    const { applied } = await migrateToLatest(database.db)
    process.stdout.write(
      applied.length
        ? `applied ${applied.length} migration(s): ${applied.join(', ')}\n`
        : 'the database is up to date\n',
    )
    return 0
  } finally {
    await database.close()
  }
}
