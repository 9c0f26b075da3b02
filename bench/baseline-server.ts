// The physical limit the HTTP workloads are held against: a bare Fastify route that reads one row by
// primary key through a pg Pool of the service's size. No auth, no schemas, no logging: only what
// any HTTP API over PostgreSQL must pay per request. Run as a process of its own:
//   DATABASE_URL=... PORT=... node --import tsx bench/baseline-server.ts
import Fastify from 'fastify'
import pg from 'pg'
import { BASELINE_TABLE } from './environment.js'

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

const stop = async () => {
  await app.close()
  await pool.end()
  process.exit(0)
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)

await app.listen({ host: '127.0.0.1', port })
process.stdout.write(`listening on ${port}\n`)
