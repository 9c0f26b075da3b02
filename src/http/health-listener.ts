// The relay's and the projection workers' own small listener (HEALTH_PORT): the API's /healthz,
// /readyz and /metrics routes, nothing else, so that probes and scraping reach processes that
// serve no API. Readiness adds each process's own checks (NATS, a stalled projection or relay).
import Fastify, { type FastifyInstance } from 'fastify'
import type { Config } from '../config.js'
import type { Database } from '../db/database.js'
import { ProblemSchema } from './problem.js'
import { healthRoutes } from './routes/health.js'
import { metricsRoutes } from './routes/metrics.js'

export type HealthListenerConfig = Pick<
  Config,
  'HOST' | 'HEALTH_PORT' | 'NATS_URL' | 'NATS_PREFIX' | 'STALL_AFTER_SECONDS'
>

/** Listens on HEALTH_PORT when it is set; undefined otherwise. */
export async function startHealthListener(
  config: HealthListenerConfig,
  database: Database,
  readiness: Record<string, () => Promise<void>>,
): Promise<FastifyInstance | undefined> {
  if (config.HEALTH_PORT === undefined) return undefined
  const app = Fastify({ logger: false })
  app.addSchema(ProblemSchema)
  await app.register(healthRoutes, { deps: { database, readiness } })
  await app.register(metricsRoutes, { deps: { database, config } })
  await app.listen({ host: config.HOST, port: config.HEALTH_PORT })
  return app
}
