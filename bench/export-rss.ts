// Does the export's memory stay flat as the log grows? Fills a scratch database with N synthetic
// events (set-based INSERT, not the append path: only the log's length matters here), then runs
// `rental-ledger export --out FILE` of one or more checkouts and psql's COPY of the same rows,
// alternating, and prints events/s and peak RSS of each. The database is kept between runs (so 1M
// then 2M only adds the second million) and dropped with --drop.
//
//   npx tsx bench/export-rss.ts --events 1000000 [--bin OTHER_CHECKOUT/bin/rental-ledger.js] [--reps 2]
// Without --bin it compiles this checkout as the bench does (bench/.build) and runs that.
import { execFileSync, spawn } from 'node:child_process'
import { readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { sql } from 'kysely'
import pg from 'pg'
import { extendChain } from '../src/audit/chain-writer.js'
import { openPostgres } from '../src/db/database.js'
import { migrateToLatest } from '../src/db/migrate.js'
import { ADMIN_URL } from '../test/helpers/db.js'
import { BIN, compileService } from './processes.js'

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    bin: { type: 'string', multiple: true },
    reps: { type: 'string', default: '2' },
    database: { type: 'string', default: 'rl_export_rss' },
    drop: { type: 'boolean', default: false },
  },
})
const wanted = Number(values.events)
const url = new URL(ADMIN_URL)
url.pathname = `/${values.database}`

async function ensureDatabase(): Promise<void> {
  const admin = new pg.Client({ connectionString: ADMIN_URL })
  await admin.connect()
  if (values.drop) await admin.query(`DROP DATABASE IF EXISTS ${values.database} WITH (FORCE)`)
  const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [
    values.database,
  ])
  if (!rowCount) await admin.query(`CREATE DATABASE ${values.database}`)
  await admin.end()
}

/** Tops the log up to `wanted` events of the shapes the service writes, in batches of 100k. */
async function fill(): Promise<number> {
  const database = openPostgres(url.toString(), 2)
  try {
    await migrateToLatest(database.db)
    for (;;) {
      const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM events`.execute(
        database.db,
      )
      const have = rows[0]!.n
      // The export carries each event's chain link: chain what was filled (not timed).
      if (have >= wanted) return await extendChain(database.db, 5000).then(() => have)
      const batch = Math.min(100_000, wanted - have)
      await sql`
        INSERT INTO events (event_id, stream_id, stream_version, type, data, metadata)
        SELECT gen_random_uuid(), 'bench-' || (${have}::int + i), 1,
               (ARRAY['BookAdded','RentalStarted','PaymentRecorded'])[1 + i % 3],
               jsonb_build_object('bookId', gen_random_uuid(), 'title', 'Title "' || i || '", vol. 2',
                 'amountCents', i % 10000, 'note', 'ünïcode ✓ line\nbreak', 'copies', 1 + i % 5),
               jsonb_build_object('actor', 'user-' || (i % 1000), 'correlationId', gen_random_uuid())
        FROM generate_series(1, ${batch}::int) AS i`.execute(database.db)
      process.stderr.write(`filled ${have + batch} of ${wanted}\n`)
    }
  } finally {
    await database.close()
  }
}

interface Run {
  what: string
  seconds: number
  peakMiB: number
  lines: number
}

/** Spawns and times a process, sampling its VmHWM (the peak resident set) every 20 ms. */
function measure(what: string, command: string, args: string[], out: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now()
    const child = spawn(command, args, {
      env: { PATH: process.env.PATH ?? '', DATABASE_URL: url.toString(), LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'inherit'],
    })
    let peakKb = 0
    const timer = setInterval(() => {
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8')
        peakKb = Math.max(peakKb, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0))
      } catch {
        // exited
      }
    }, 20)
    child.on('error', reject)
    child.on('exit', (code) => {
      clearInterval(timer)
      const seconds = (performance.now() - t0) / 1000
      if (code !== 0) return reject(new Error(`${what} exited with ${code}`))
      const lines = Number(execFileSync('wc', ['-l', out], { encoding: 'utf8' }).split(' ')[0])
      rmSync(out, { force: true })
      resolve({ what, seconds, peakMiB: peakKb / 1024, lines })
    })
  })
}

const COPY_SQL = `COPY (
  SELECT transaction_id, global_position, event_id, stream_id, stream_version, type, data,
         metadata, recorded_at
  FROM events WHERE transaction_id < pg_snapshot_xmin(pg_current_snapshot())
  ORDER BY transaction_id, global_position) TO STDOUT`

await ensureDatabase()
if (!values.bin?.length) compileService()
const size = await fill()
const bins = values.bin?.length ? values.bin : [BIN]
const report = (run: Run) =>
  process.stdout.write(
    `${size} events | ${run.what} | ${(size / run.seconds).toFixed(0)} events/s | ` +
      `${run.seconds.toFixed(2)} s | peak RSS ${run.peakMiB.toFixed(1)} MiB | ${run.lines} lines\n`,
  )
for (let r = 0; r < Number(values.reps); r++) {
  for (const [i, bin] of bins.entries()) {
    const out = join(tmpdir(), `rl-export-rss-${process.pid}-${i}.ndjson`)
    report(await measure(`export ${bin}`, process.execPath, [bin, 'export', '--out', out], out))
  }
  const copyOut = join(tmpdir(), `rl-export-rss-${process.pid}-copy.txt`)
  const psqlArgs = ['-X', '-q', '-d', url.toString(), '-o', copyOut, '-c', COPY_SQL]
  report(await measure('psql COPY', 'psql', psqlArgs, copyOut))
}
