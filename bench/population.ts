// Who and what the workloads act on: users with signed access tokens, a catalogue, W2b's short and
// long histories and W6's long and new book, all written through the append path (seed.ts).
import { createHmac } from 'node:crypto'
import type { CommandDeps } from '../src/commands/execute.js'
import type { Population } from './context.js'
import { seedBooks, seedRentals, seedUsers } from './seed.js'

const b64url = (s: string | Buffer) => Buffer.from(s).toString('base64url')

/**
 * An access token as the service issues them (HS256 over {sub, role, username}, JWT_SECRET),
 * signed here so that no bcrypt login is paid per user: logins are not what is measured.
 */
export function accessToken(secret: string, user: { id: string; username: string }): string {
  const now = Math.floor(Date.now() / 1000)
  const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))
  const claims = {
    sub: user.id,
    role: 'user',
    username: user.username,
    iat: now,
    exp: now + 6 * 3600,
  }
  const body = `${header}.${b64url(JSON.stringify(claims))}`
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`
}

export interface PopulationSize {
  users: number
  books: number
  copies: number
  lightRentals: number
  heavyRentals: number
}

export async function seedPopulation(
  deps: CommandDeps,
  secret: string,
  size: PopulationSize,
): Promise<Population> {
  const users = await seedUsers(deps, size.users, 'user')
  const bookIds = await seedBooks(deps, size.books, size.copies, 'shelf')
  const [light, heavy] = await seedUsers(deps, 2, 'history')
  // The histories' own book: one copy, rented and returned over and over, never by W1's users.
  const [historyBook] = await seedBooks(deps, 1, 1, 'history')
  await seedRentals(deps, historyBook!, [light!.id], size.lightRentals)
  await seedRentals(deps, historyBook!, [heavy!.id], size.heavyRentals)
  return {
    userIds: users.map((u) => u.id),
    userTokens: users.map((u) => accessToken(secret, u)),
    bookIds,
    lightToken: accessToken(secret, light!),
    heavyToken: accessToken(secret, heavy!),
  }
}

/** W6: a book whose stream holds `events` events (past rentals by many users), and a new one. */
export async function seedStreamLength(
  deps: CommandDeps,
  population: Population,
  events: number,
): Promise<void> {
  // Copies to spare: a timed run that stops between a rent and its return leaves a copy out.
  const [longBook, newBook] = await seedBooks(deps, 2, 1_000, 'stream-length')
  // Each past rental is two events of the book's stream (rented, returned); BookAdded is one more.
  await seedRentals(deps, longBook!, population.userIds, Math.ceil((events - 1) / 2))
  population.longBookId = longBook!
  population.newBookId = newBook!
}
