// `rental-ledger <command>`: one file per command in this folder; this one only dispatches.
import { ConfigError, loadConfig } from '../config.js'
import { DirLockedError } from '../db/lock-file.js'
import { XidHorizonError } from '../eventstore/errors.js'
import { commands } from './commands.js'

const [name, ...args] = process.argv.slice(2)

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length))
  const lines = Object.entries(commands).map(
    ([c, { summary }]) => `  ${c.padEnd(width)}  ${summary}`,
  )
  return `usage: rental-ledger <command> [options]\n\ncommands:\n${lines.join('\n')}\n`
}

if (!name || name === '--help' || name === '-h' || name === 'help') {
  process.stdout.write(usage())
  process.exit(name ? 0 : 2)
}
const command = commands[name]
if (!command) {
  process.stderr.write(`rental-ledger: unknown command '${name}'\n\n${usage()}`)
  process.exit(2)
}

try {
  const config = loadConfig()
  const code = await command.run(args, config)
  if (typeof code === 'number') process.exitCode = code
} catch (err) {
  // Known operator errors get one clear line; anything else is a bug and keeps its stack.
  if (
    err instanceof ConfigError ||
    err instanceof DirLockedError ||
    err instanceof XidHorizonError ||
    (err as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION'
  ) {
    process.stderr.write(`rental-ledger ${name}: ${(err as Error).message}\n`)
  } else {
    process.stderr.write(`rental-ledger ${name}: ${(err as Error).stack ?? String(err)}\n`)
  }
  process.exitCode = 1
}
