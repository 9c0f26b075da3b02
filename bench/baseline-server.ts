// The physical limits the HTTP workloads are held against, as bare Fastify routes through a pg Pool
// of the service's size: GET /row/:id reads one row by primary key; POST /write makes one durable
// INSERT of an event-sized row per request (baseline d); POST /write-grouped makes the same INSERTs
// with group commit in the app (baseline e): requests queue while a flush is in flight, a flush is
// one multi-row INSERT and one commit, at most two flushes in flight. No auth, no schemas, no
// logging: only what any HTTP API over PostgreSQL must pay per request. Run as a process of its own:
//   DATABASE_URL=... PORT=... node --import tsx bench/baseline-server.ts
import Fastify from 'fastify'
import pg from 'pg'
import { BASELINE_TABLE, BASELINE_WRITES } from './environment.js'

const url = process.env.DATABASE_URL
const port = Number(process.env.PORT)
if (!url || !Number.isInteger(port)) {
  process.stderr.write('baseline-server: DATABASE_URL and PORT are required\n')
  process.exit(2)
}

const pool = new pg.Pool({ connectionString: url, max: Number(process.env.DB_POOL_MAX ?? 10) })
pool.on('error', () => {})
const app = Fastify({ logger: false })

app.get<{ Params: { id: string } }>('/row/:id', async (request, reply) => {
  const { rows } = await pool.query({
    name: 'baseline-row',
    text: `SELECT id, title, author, description, copies FROM ${BASELINE_TABLE} WHERE id = $1`,
    values: [Number(request.params.id)],
  })
  if (rows.length === 0) return reply.code(404).send({ error: 'no such row' })
  return rows[0]
})

await pool.query(`CREATE TABLE IF NOT EXISTS ${BASELINE_WRITES} (
  id bigserial PRIMARY KEY, event_id uuid NOT NULL DEFAULT gen_random_uuid(), stream_id text NOT NULL,
  type text NOT NULL, data jsonb NOT NULL, recorded_at timestamptz NOT NULL DEFAULT now())`)

type Write = { streamId: string; data: unknown }
const insert = (writes: Write[]) =>
  pool.query(
    `INSERT INTO ${BASELINE_WRITES} (stream_id, type, data)
     SELECT stream_id, 'BookRented', data FROM jsonb_to_recordset($1::jsonb) AS r(stream_id text, data jsonb)
     RETURNING id`,
    [JSON.stringify(writes.map((w) => ({ stream_id: w.streamId, data: w.data })))],
  )

app.post<{ Body: Write }>('/write', async (request, reply) => {
  const { rows } = await insert([request.body])
  return reply.code(201).send({ id: rows[0].id })
})

let queue: { write: Write; done: (id: string) => void; fail: (e: unknown) => void }[] = []
let inFlight = 0
function flush() {
  if (inFlight >= 2 || queue.length === 0) return
  const batch = queue
  queue = []
  inFlight++
  insert(batch.map((q) => q.write))
    .then(
      ({ rows }) => {
        for (const [i, q] of batch.entries()) q.done(rows[i].id)
      },
      (err) => {
        for (const q of batch) q.fail(err)
      },
    )
    .finally(() => {
      inFlight--
      flush()
    })
}
app.post<{ Body: Write }>('/write-grouped', async (request, reply) => {
  const id = await new Promise<string>((done, fail) => {
    queue.push({ write: request.body, done, fail })
    flush()
  })
  return reply.code(201).send({ id })
})

const stop = async () => {
  await app.close()
  await pool.end()
  process.exit(0)
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)

await app.listen({ host: '127.0.0.1', port })
process.stdout.write(`listening on ${port}\n`)
