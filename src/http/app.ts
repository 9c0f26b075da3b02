// The whole HTTP app as one function, used by `serve` and by the tests alike. Loaded in tiers:
// external plugins, then the app's own plugins, then routes.
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, { type FastifyInstance } from 'fastify'
import type { AppDeps } from './deps.js'
import { authPlugin } from './plugins/auth.js'
import { consistencyPlugin } from './plugins/consistency.js'
import { errorsPlugin, frameworkErrors } from './plugins/errors.js'
import { limitsPlugin } from './plugins/limits.js'
import { metricsPlugin } from './plugins/metrics.js'
import { HELMET_OPTIONS, securityHeadersPlugin } from './plugins/security-headers.js'
import { clientErrorHandler, ProblemSchema } from './problem.js'
import { routes } from './routes/index.js'
import { liveRoutes } from './routes/live.js'
import { sessionRoutes } from './routes/session.js'
import { webRoutes } from './routes/web.js'
import { validatorCompiler } from './validation.js'

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: deps.logger ?? false,
    bodyLimit: deps.config.BODY_LIMIT_BYTES,
    // A stalled body or header (slowloris) must not hold a socket: Node checks every connection
    // against requestTimeout at connectionsCheckingInterval, by default only every 30 s.
    requestTimeout: deps.config.REQUEST_TIMEOUT_MS,
    connectionTimeout: deps.config.CONNECTION_TIMEOUT_MS,
    http: {
      connectionsCheckingInterval: Math.max(250, Math.floor(deps.config.REQUEST_TIMEOUT_MS / 4)),
    },
    clientErrorHandler,
    frameworkErrors,
    genReqId: () => crypto.randomUUID(),
    requestIdHeader: false,
    trustProxy: deps.config.TRUST_PROXY === 'on',
    // Bodies are validated strictly, query strings and params with coercion (validation.ts).
    // (Fastify types this factory for its own Ajv pool only, hence the cast.)
    schemaController: { compilersFactory: { buildValidator: (() => validatorCompiler) as never } },
  }).withTypeProvider<TypeBoxTypeProvider>()

  app.decorate('idempotencySecret', deps.config.JWT_SECRET)
  // The API speaks JSON only: anything else is a 415, not a string for the validator to reject.
  app.removeContentTypeParser('text/plain')
  await app.register(errorsPlugin)
  await app.register(metricsPlugin)
  await app.register(securityHeadersPlugin, { helmet: HELMET_OPTIONS })
  await app.register(limitsPlugin, { settings: deps.config })
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'rental-ledger',
        version: '0.1.0',
        description:
          'The back office of a book-rental shop, event-sourced. Money is in integer cents. ' +
          'Commands answer with a `position`; pass it as `?minPosition=` to any query to read your own writes. ' +
          'Errors are problem+json (RFC 9457) with a stable `code`.',
      },
      // In the order Swagger UI shows them.
      tags: [
        { name: 'accounts', description: 'Registration, sign-in, profiles' },
        { name: 'books', description: 'The catalogue and its availability' },
        { name: 'rentals', description: 'Renting and returning' },
        { name: 'payments', description: 'Money taken at the desk' },
        { name: 'balances', description: 'What a user owes, at any time' },
        { name: 'audit', description: 'The event log, its export and its signed hash chain' },
        { name: 'operations', description: 'Health, readiness, metrics, read models' },
        {
          name: 'seed-compatible',
          description:
            'The old Django service’s paths, for its clients (API.md, Seed-compatible routes): ' +
            'the same accounts, events and read models, in the old shapes, with its holes ' +
            'closed. Paths answer with and without the trailing slash. Errors are problem+json ' +
            'that also carry the old keys (`non_field_errors`, `{"<field>": ["message"]}`).',
        },
      ],
      components: {
        securitySchemes: {
          bearerAuth: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'JWT',
            description: 'an accessToken from POST /api/auth/token',
          },
        },
      },
    },
    refResolver: { buildLocalReference: (json, _b, _f, i) => String(json.$id ?? `def-${i}`) },
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })
  app.addSchema(ProblemSchema)

  await app.register(authPlugin, {
    secret: deps.config.JWT_SECRET,
    accessTtlSeconds: deps.config.ACCESS_TOKEN_TTL_SECONDS,
  })
  await app.register(consistencyPlugin, {
    db: deps.database.db,
    progress: deps.progress,
    maxWaitMs: deps.config.MIN_POSITION_WAIT_MS,
  })

  for (const plugin of routes) await app.register(plugin, { deps })
  // The web app: its sign-in session, live progress events and its pages (web/).
  for (const plugin of [sessionRoutes, liveRoutes, webRoutes]) await app.register(plugin, { deps })
  return app
}
