// `rental-ledger <command>`: one file per command in this folder; this one only dispatches.
import { setFlagsFromString } from 'node:v8'
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

if (command.steadyMemory) {
  // V8 grows the young generation to 16 MiB semi-spaces: during the imports below already, and
  // over a long run anyway (it counts survivors since its last growth). A command that streams
  // through few live objects gains nothing from that, and buffers outside the heap (the COPY's)
  // wait that much longer for a scavenge: on 1,000,000 events the export peaked near 128 MiB with
  // it and under 100 without. Set here, before any import, the flag is read where V8 grows the
  // space, so it stays at its first size; set on the command line, V8 would raise a factor under
  // 2 to 2 when it configures the heap.
  setFlagsFromString('--semi-space-growth-factor=1')
}

// Loaded only now: the flag above must come first.
const { ConfigError, loadConfig } = await import('../config.js')
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
