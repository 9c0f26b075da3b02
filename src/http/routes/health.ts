import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { sql } from 'kysely'
import { Type } from 'typebox'
import type { AppDeps } from '../deps.js'
import { problem } from '../problem.js'
import { problems } from '../schemas.js'

/** What the probes read: the API and the relay's and workers' own listeners pass the same. */
export type HealthDeps = Pick<AppDeps, 'database' | 'readiness'>

export const healthRoutes: FastifyPluginAsyncTypebox<{ deps: HealthDeps }> = async (
  app,
  { deps },
) => {
  // Liveness: no dependency is checked and no Host header is validated (load balancers send
  // their own), so a slow database never gets a healthy process restarted.
  app.get(
    '/healthz',
    {
      config: { auth: 'anyone' },
      schema: {
        tags: ['operations'],
        summary: 'Liveness',
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  )

  app.get(
    '/readyz',
    {
      config: { auth: 'anyone' },
      schema: {
        tags: ['operations'],
        summary: 'Readiness: the database and the bus are reachable',
        response: {
          200: Type.Object({
            status: Type.Literal('ready'),
            checks: Type.Record(Type.String(), Type.String()),
          }),
          ...problems(503),
        },
      },
    },
    async (_request, reply) => {
      const checks: Record<string, () => Promise<void>> = {
        database: async () => {
          await sql`SELECT 1`.execute(deps.database.db)
        },
        ...deps.readiness,
      }
      const results: Record<string, string> = {}
      let ready = true
      for (const [name, check] of Object.entries(checks)) {
        try {
          await check()
          results[name] = 'ok'
        } catch (err) {
          ready = false
          results[name] = `failing: ${(err as Error).message}`.slice(0, 200)
        }
      }
      if (!ready) {
        return reply
          .code(503)
          .header('retry-after', '5')
          .type('application/problem+json')
          .send(
            problem(
              'NOT_READY',
              Object.entries(results)
                .map(([k, v]) => `${k}: ${v}`)
                .join('; '),
            ),
          )
      }
      return { status: 'ready' as const, checks: results }
    },
  )
}
