// Read-your-writes across an eventually consistent read model: a query that names the read model
// it reads (`config.readModel`) waits for `?minPosition=<token>` to be applied, up to a bound, and
// answers with the read model's position in X-Ledger-Position.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { Type } from 'typebox'
import { DomainError } from '../../domain/errors.js'
import { decodePosition } from '../../eventstore/position.js'
import type { ProjectionProgress } from '../../projector/progress.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    readModel?: string
  }
}

export const PositionToken = Type.String({
  pattern: '^[0-9a-f]{32}$',
  description: 'a `position` from a command response (an opaque token)',
})

/** Add to a query route's querystring schema. */
export const MinPositionQuery = {
  minPosition: Type.Optional({
    ...PositionToken,
    description: 'answer only once the read model has applied this position',
  }),
}

export const consistencyPlugin = fp(
  async (app: FastifyInstance, opts: { progress: ProjectionProgress; maxWaitMs: number }) => {
    app.addHook('preHandler', async (request, reply) => {
      const readModel = request.routeOptions.config.readModel
      if (!readModel) return
      const token = (request.query as { minPosition?: string } | undefined)?.minPosition
      if (token !== undefined) {
        const reached = await opts.progress.waitFor(
          readModel,
          decodePosition(token),
          opts.maxWaitMs,
        )
        if (!reached) {
          reply.header('retry-after', '1')
          throw new DomainError(
            'NOT_READY',
            `The ${readModel} read model has not reached that position yet; retry shortly`,
          )
        }
      }
      reply.header('x-ledger-position', opts.progress.token(readModel))
    })
  },
)
