// A user's profile (email, name, phone, address): a ProfileUpdated event on the account stream,
// and the users row the profile is read from, written by the same statement.
import { type Kysely, type Selectable, sql } from 'kysely'
import type { DB, UsersTable } from '../db/tables.js'
import { decideAccount, evolveAccount, initialAccountState } from '../domain/account.js'
import { DomainError } from '../domain/errors.js'
import { accountStreamId, type Role } from '../domain/events.js'
import type { EventMetadata } from '../eventstore/append.js'
import type { Position } from '../eventstore/position.js'
import { takenError } from './accounts.js'
import { type CommandDeps, type CommandOptions, executeCommand } from './execute.js'
import { appendFor } from './streams.js'

export interface ProfileInput {
  email?: string | null
  name?: string | null
  phone?: string | null
  address?: string | null
}

export interface ProfileResult {
  profile: Profile
  position: Position
}

export function updateProfile(
  deps: CommandDeps,
  userId: string,
  input: ProfileInput,
  metadata: EventMetadata,
  options?: CommandOptions<ProfileResult>,
): Promise<ProfileResult> {
  const stream = accountStreamId(userId)
  return executeCommand(
    deps,
    'UpdateProfile',
    // The profile as it will read: a concurrent change of other fields may be missing from it.
    async (db) => {
      const current = await getProfile(db, userId)
      if (!current) throw new DomainError('ACCOUNT_NOT_FOUND', `No account ${userId}`)
      const profile: Profile = { ...current, ...input }
      return {
        streams: [stream],
        decide: (streams, now) => {
          const account = streams.get(stream, initialAccountState)
          const events = decideAccount({ type: 'UpdateProfile', ...input }, account.state, {
            now,
            limits: deps.limits,
          })
          const result = (position: Position) => ({ profile, position })
          if (events.length === 0) return { unchangedAt: stream, result }
          const { email, name, phone, address } = input
          return {
            appends: [appendFor(account, events, evolveAccount, metadata)],
            also: [
              deps.db
                .updateTable('users')
                .set({
                  ...(email !== undefined && { email }),
                  ...(name !== undefined && { name }),
                  ...(phone !== undefined && { phone }),
                  ...(address !== undefined && { address }),
                })
                .where('user_id', '=', userId),
            ],
            onUniqueViolation: (constraint) =>
              constraint.includes('email') ? takenError(false) : undefined,
            result,
          }
        },
      }
    },
    options,
  )
}

export interface Profile {
  id: string
  username: string
  email: string | null
  role: Role
  name: string | null
  phone: string | null
  address: string | null
}

const profileColumns = ['user_id', 'username', 'email', 'role', 'name', 'phone', 'address'] as const
type ProfileRow = Pick<Selectable<UsersTable>, (typeof profileColumns)[number]>
const toProfile = (r: ProfileRow): Profile => ({
  id: r.user_id,
  username: r.username,
  email: r.email,
  role: r.role,
  name: r.name,
  phone: r.phone,
  address: r.address,
})

/** The account's profile, from the users row its commands write (nothing to wait for). */
export async function getProfile(db: Kysely<DB>, userId: string): Promise<Profile | undefined> {
  const row = await db
    .selectFrom('users')
    .select(profileColumns)
    .where('user_id', '=', userId)
    .executeTakeFirst()
  return row && toProfile(row)
}

/**
 * Accounts by username (case-insensitive), then id; `q` matches username, email or name;
 * `limit + 1` rows so the caller can tell if there is a next page.
 */
export async function listProfiles(
  db: Kysely<DB>,
  f: { q?: string; after?: readonly [string, string]; limit: number },
): Promise<Profile[]> {
  let q = db.selectFrom('users').select(profileColumns)
  if (f.q) {
    const like = `%${f.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
    q = q.where((eb) =>
      eb.or([eb('username', 'ilike', like), eb('email', 'ilike', like), eb('name', 'ilike', like)]),
    )
  }
  if (f.after) {
    q = q.where(sql<boolean>`(lower(username), user_id) > (${f.after[0]}, ${f.after[1]}::uuid)`)
  }
  const rows = await q
    .orderBy(sql`lower(username)`)
    .orderBy('user_id')
    .limit(f.limit + 1)
    .execute()
  return rows.map(toProfile)
}
