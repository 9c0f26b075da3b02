import { parseArgs } from 'node:util'
import { addBook } from '../commands/books.js'
import type { Config } from '../config.js'
import { openDatabase } from '../db/database.js'
import { DomainError } from '../domain/errors.js'
import { announced } from '../eventstore/announce.js'
import { commandDeps, prepareDatabase } from '../service.js'
import { DEMO_BOOKS } from './data/demo-books.js'

/** `demo-catalogue`: adds a few dozen real books of all three types; books already there stay. */
export async function demoCatalogue(args: string[], config: Config): Promise<number> {
  parseArgs({ args, options: {} })
  const database = await openDatabase(config)
  try {
    await prepareDatabase(config, database)
    const deps = commandDeps(config, database)
    let added = 0
    for (const [title, author, type, copies, description, isbn = null] of DEMO_BOOKS) {
      try {
        await addBook(
          deps,
          { title, author, type, copies, description, isbn },
          { actor: 'demo-catalogue' },
        )
        added++
      } catch (err) {
        if (!(err instanceof DomainError && err.code === 'BOOK_ALREADY_EXISTS')) throw err
      }
    }
    const kept = DEMO_BOOKS.length - added
    process.stdout.write(`added ${added} books${kept ? ` (${kept} were already there)` : ''}\n`)
    return 0
  } finally {
    // A relay or feeder running elsewhere hears of the new events now, not at its next poll.
    await announced(database.db)
    await database.close()
  }
}
