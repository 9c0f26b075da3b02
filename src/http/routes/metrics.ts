import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { sql } from 'kysely'
import { Type } from 'typebox'
import { PROJECTIONS } from '../../../projections/index.js'
import { busNames } from '../../bus/nats.js'
import { START } from '../../eventstore/position.js'
import { countLogAfter, readLog } from '../../eventstore/reader.js'
import {
  poolConnections,
  projectionLagEvents,
  registry,
  relayLagEvents,
  relayLagSeconds,
} from '../../metrics.js'
import { readCheckpoint } from '../../projector/apply-batch.js'
import type { AppDeps } from '../deps.js'

export const metricsRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (
  app,
  { deps },
) => {
  const db = deps.database.db

  /** The lags are read from the database, so any process (API or worker) reports the same. */
  async function measure(): Promise<void> {
    for (const p of PROJECTIONS) {
      const lag = await countLogAfter(db, await readCheckpoint(db, p.schema))
      projectionLagEvents.set({ projection: p.name }, lag)
    }
    if (deps.config.NATS_URL) {
      const row = await db
        .selectFrom('relay_cursors')
        .select([sql<string>`transaction_id::text`.as('tx'), 'global_position'])
        .where('stream', '=', busNames(deps.config.NATS_PREFIX).stream)
        .executeTakeFirst()
      const cursor = row
        ? { transactionId: BigInt(row.tx), globalPosition: row.global_position }
        : START
      relayLagEvents.set(await countLogAfter(db, cursor))
      const [oldest] = await readLog(db, { after: cursor, limit: 1 })
      relayLagSeconds.set(oldest ? (Date.now() - oldest.recordedAt.getTime()) / 1000 : 0)
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
