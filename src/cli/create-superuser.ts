// `create-superuser --username U --email E`: a staff account, through the same command handler and
// the same input rules as registration. The password comes from RENTAL_LEDGER_PASSWORD or, on a
// terminal, from a prompt that does not echo; it never appears in argv (visible to `ps`).
import { createInterface } from 'node:readline/promises'
import { Writable } from 'node:stream'
import { parseArgs } from 'node:util'
import { hashPassword } from '../auth/credentials.js'
import { registerUser } from '../commands/accounts.js'
import type { Config } from '../config.js'
import { openDatabase } from '../db/database.js'
import { DomainError } from '../domain/errors.js'
import { announced } from '../eventstore/announce.js'
import { passwordTooLong, RegisterBody } from '../http/routes/auth.js'
import { validatorCompiler } from '../http/validation.js'
import { commandDeps, prepareDatabase } from '../service.js'

const PREFIX = 'rental-ledger create-superuser:'

class Refused extends Error {}

async function promptHidden(question: string): Promise<string> {
  let muted = false
  const output = new Writable({
    write(chunk, encoding, done) {
      if (!muted) process.stdout.write(chunk, encoding)
      done()
    },
  })
  const rl = createInterface({ input: process.stdin, output, terminal: true })
  const abort = new AbortController()
  rl.on('SIGINT', () => abort.abort())
  try {
    process.stdout.write(question)
    muted = true
    return await rl.question('', { signal: abort.signal })
  } catch {
    throw new Refused('cancelled')
  } finally {
    process.stdout.write('\n')
    rl.close()
  }
}

async function readPassword(): Promise<string> {
  const fromEnv = process.env.RENTAL_LEDGER_PASSWORD
  if (fromEnv) return fromEnv
  if (!process.stdin.isTTY) {
    throw new Refused('set RENTAL_LEDGER_PASSWORD, or run on a terminal to be asked for it')
  }
  const password = await promptHidden('Password: ')
  if (password !== (await promptHidden('Password (again): '))) {
    throw new Refused('the passwords do not match')
  }
  return password
}

/** The registration route's own schema and validator, so both refuse the same input. */
function check(input: { username: string; email: string; password: string }): void {
  const validate = validatorCompiler({
    schema: RegisterBody,
    httpPart: 'body',
    method: 'POST',
    url: '/api/auth/register',
  }) as ((x: unknown) => boolean) & { errors?: { instancePath: string; message?: string }[] }
  if (!validate(input)) {
    const first = validate.errors?.[0]
    throw new Refused(
      `${first?.instancePath.slice(1) || 'input'} ${first?.message ?? 'is invalid'}`,
    )
  }
  const tooLong = passwordTooLong(input.password)
  if (tooLong) throw new Refused(`password ${tooLong}`)
}

export async function createSuperuser(args: string[], config: Config): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { username: { type: 'string' }, email: { type: 'string' } },
  })
  const { username, email } = values
  if (!username || !email) {
    process.stderr.write(`${PREFIX} usage: create-superuser --username U --email E\n`)
    return 2
  }
  try {
    const password = await readPassword()
    check({ username, email, password })
    const database = await openDatabase(config)
    try {
      await prepareDatabase(config, database)
      const passwordHash = await hashPassword(password, config.BCRYPT_COST)
      const { user } = await registerUser(
        commandDeps(config, database),
        { username, email, passwordHash, role: 'staff' },
        { source: 'cli create-superuser' },
      )
      process.stdout.write(`created staff account ${user.username} (${user.id})\n`)
      return 0
    } finally {
      // A relay or feeder running elsewhere hears of the new events now, not at its next poll.
      await announced(database.db)
      await database.close()
    }
  } catch (err) {
    if (err instanceof Refused) process.stderr.write(`${PREFIX} ${err.message}\n`)
    else if (err instanceof DomainError) process.stderr.write(`${PREFIX} ${err.detail}\n`)
    else throw err
    return 1
  }
}
