import { randomUUID } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { DB } from '../db/tables.js'
import { decideAccount, evolveAccount, initialAccountState } from '../domain/account.js'
import { DomainError } from '../domain/errors.js'
import { accountStreamId, type Role } from '../domain/events.js'
import type { EventMetadata } from '../eventstore/append.js'
import type { Position } from '../eventstore/position.js'
import { type CommandDeps, type CommandOptions, executeCommand } from './execute.js'
import { appendFor } from './streams.js'

export interface UserView {
  id: string
  username: string
  email: string | null
  role: Role
}

export interface RegisterResult {
  user: UserView
  position: Position
}

/** Profile fields an account may be registered with (staff creating accounts). */
export interface InitialProfile {
  name?: string | null
  phone?: string | null
  address?: string | null
}

/**
 * Registers a user: the UserRegistered event (and ProfileUpdated when a profile is given) and the
 * credentials row, in one transaction.
 */
export function registerUser(
  deps: CommandDeps,
  input: {
    username: string
    email: string | null
    passwordHash: string
    role: Role
    profile?: InitialProfile
  },
  metadata: EventMetadata,
  options?: CommandOptions<RegisterResult>,
): Promise<RegisterResult> {
  const userId = randomUUID()
  return executeCommand(
    deps,
    'RegisterUser',
    async (db) => {
      await refuseTaken(db, input)
      const stream = accountStreamId(userId)
      return {
        streams: [stream],
        decide: (streams, now) => {
          const account = streams.get(stream, initialAccountState)
          const { username, email, role, profile = {} } = input
          const context = { now, limits: deps.limits }
          const registered = decideAccount(
            { type: 'RegisterUser', userId, username, email, role },
            account.state,
            context,
          )
          const profiled = decideAccount(
            { type: 'UpdateProfile', ...profile },
            registered.reduce(evolveAccount, account.state),
            context,
          )
          const events = [...registered, ...profiled]
          return {
            appends: [
              appendFor(account, events, evolveAccount, {
                ...metadata,
                actor: metadata.actor ?? userId,
              }),
            ],
            also: [
              deps.db.insertInto('users').values({
                user_id: userId,
                username,
                email,
                password_hash: input.passwordHash,
                role,
                ...profile,
              }),
            ],
            // Registered meanwhile, by someone else: the check above could not see it yet.
            onUniqueViolation: (constraint) =>
              constraint.includes('username')
                ? takenError(true)
                : constraint.includes('email')
                  ? takenError(false)
                  : undefined,
            result: (position) => ({ user: { id: userId, username, email, role }, position }),
          }
        },
      }
    },
    options,
  )
}

/**
 * Throws USERNAME_TAKEN or EMAIL_TAKEN when either is registered (any case). Registration routes
 * call it before hashing the password too, so that a taken name costs no bcrypt work.
 */
export async function refuseTaken(
  db: Kysely<DB>,
  input: { username: string; email: string | null },
): Promise<void> {
  const taken = await db
    .selectFrom('users')
    .select(['username', 'email'])
    .where((eb) =>
      eb.or([
        eb(eb.fn('lower', ['username']), '=', input.username.toLowerCase()),
        ...(input.email === null
          ? []
          : [eb(eb.fn('lower', ['email']), '=', input.email.toLowerCase())]),
      ]),
    )
    .executeTakeFirst()
  if (taken) throw takenError(taken.username.toLowerCase() === input.username.toLowerCase())
}

export const takenError = (username: boolean) =>
  username
    ? new DomainError('USERNAME_TAKEN', 'That username is taken')
    : new DomainError('EMAIL_TAKEN', 'That email is already registered')
