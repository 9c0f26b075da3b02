// Request durations by route and status, for every route (the route's pattern, not its URL, so
// that ids do not explode the label set).
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { httpDuration } from '../../metrics.js'

export const metricsPlugin = fp(async (app: FastifyInstance) => {
  // A callback hook: an async one costs a promise per request for nothing to wait for.
  app.addHook('onResponse', (request, reply, done) => {
    httpDuration.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    )
    done()
  })
})
