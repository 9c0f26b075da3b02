import pg from 'pg'
import { openPostgres } from '../src/db/database.js'
import { migrateToLatest } from '../src/db/migrate.js'
import { seedUsers, seedBooks, topUpLog, seedRentals } from '../bench/seed.js'
import { replayProjection } from '../src/projector/replay.js'
import { PROJECTIONS } from '../projections/index.js'
import { prepareDatabase } from '../src/service.js'
import { loadConfig } from '../src/config.js'
const name = 'rl_benchx_' + Date.now()
const admin = new pg.Client('postgres://postgres@127.0.0.1:5432/postgres'); await admin.connect()
await admin.query(`CREATE DATABASE ${name}`)
const url = `postgres://postgres@127.0.0.1:5432/${name}`
const database = openPostgres(url, 10)
try {
  await migrateToLatest(database.db)
  const config = loadConfig({ DATABASE_URL: url })
  await prepareDatabase(config, database)
  const deps = { db: database.db, clock: () => new Date(), plan: 'v3' as const, limits: { maxOpenRentals: 5, maxOwedCents: 100_000_000 } }
  let t = Date.now()
  const users = await seedUsers(deps, 200, 'u'); console.log('users', Date.now() - t); t = Date.now()
  const books = await seedBooks(deps, 200, 20, 'b'); console.log('books', Date.now() - t); t = Date.now()
  const n = await seedRentals(deps, books[0]!, [users[0]!.id], 10000); console.log('history', n, Date.now() - t); t = Date.now()
  const m = await topUpLog(deps, 0, 100000, books, users.map(u => u.id)); console.log('topup', m, Date.now() - t); t = Date.now()
  for (const p of PROJECTIONS) { await replayProjection(database.db, p); console.log('replay', p.name, Date.now() - t); t = Date.now() }
} finally {
  await database.close()
  await admin.query(`DROP DATABASE ${name} WITH (FORCE)`); await admin.end()
}
