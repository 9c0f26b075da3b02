import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { PROJECTIONS } from '../../../projections/index.js'
import { busNames } from '../../bus/nats.js'
import { loadRelayCursor } from '../../bus/relay-cursor.js'
import {
  poolConnections,
  projectionLagEvents,
  projectionStalled,
  registry,
  relayLagEvents,
  relayLagSeconds,
  relayStalled,
} from '../../metrics.js'
import { lagBehindLog, projectionLag } from '../../projector/status.js'
import type { AppDeps } from '../deps.js'

/** What /metrics reads: the API and the relay's and workers' own listeners pass the same. */
export interface MetricsDeps {
  database: AppDeps['database']
  config: Pick<AppDeps['config'], 'NATS_URL' | 'NATS_PREFIX' | 'STALL_AFTER_SECONDS'>
}

export const metricsRoutes: FastifyPluginAsyncTypebox<{ deps: MetricsDeps }> = async (
  app,
  { deps },
) => {
  const db = deps.database.db
  const stallSeconds = deps.config.STALL_AFTER_SECONDS

  /** The lags are read from the database, so any process (API or worker) reports the same. */
  async function measure(): Promise<void> {
    for (const p of PROJECTIONS) {
      const lag = await projectionLag(db, p, stallSeconds)
      projectionLagEvents.set({ projection: p.name }, lag.lagEvents)
      projectionStalled.set({ projection: p.name }, lag.status === 'stalled' ? 1 : 0)
    }
    // From the relay's cursor in PostgreSQL: an API without NATS_URL reports it too.
    const cursor = await loadRelayCursor(db, busNames(deps.config.NATS_PREFIX).stream)
    if (deps.config.NATS_URL || cursor.movedAt) {
      const lag = await lagBehindLog(db, cursor.position, cursor.movedAt, stallSeconds)
      relayLagEvents.set(lag.lagEvents)
      relayLagSeconds.set(lag.oldestWaiting ? (Date.now() - lag.oldestWaiting.getTime()) / 1000 : 0)
      relayStalled.set(lag.status === 'stalled' ? 1 : 0)
    }
    const pool = deps.database.pool
    if (pool) {
      poolConnections.set({ state: 'total' }, pool.totalCount)
      poolConnections.set({ state: 'idle' }, pool.idleCount)
      poolConnections.set({ state: 'waiting' }, pool.waitingCount)
    }
  }

  app.get(
    '/metrics',
    {
      config: { auth: 'anyone' },
      schema: {
        tags: ['operations'],
        summary: 'Prometheus metrics (restrict by network in deployment)',
        produces: ['text/plain'],
        response: { 200: Type.String({ description: 'Prometheus text exposition format' }) },
      },
    },
    async (_request, reply) => {
      await measure()
      return reply.type(registry.contentType).send(await registry.metrics())
    },
  )
}
