// The original Django service's paths (API.md, Seed-compatible routes), served from the same
// accounts, events and read models as /api, with the old service's authorization holes closed.
// Each path answers with and without its trailing slash, as the old one did; the OpenAPI document
// lists it once, as API.md spells it. Errors carry the old keys (./old-errors.ts).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { RouteOptions } from 'fastify'
import type { AppDeps } from '../../deps.js'
import { seedAccountRoutes } from './accounts.js'
import { seedAuthRoutes } from './auth.js'
import { seedBookRoutes } from './books.js'
import { answerWithOldKeys } from './old-errors.js'
import { seedRentalRoutes } from './rentals.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** This route is the other spelling (with or without the final slash) of a seed route. */
    slashAlias?: boolean
  }
}

/** The path with its trailing slash added, or taken away. */
const otherSpelling = (url: string) => (url.endsWith('/') ? url.slice(0, -1) : `${url}/`)

export const seedRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, opts) => {
  answerWithOldKeys(app)
  // Fastify's ignoreTrailingSlash is server-wide, and the web app's pages declare both spellings
  // themselves, so each seed route gets its other spelling here. HEAD routes come with their GET.
  app.addHook('onRoute', function (route: RouteOptions) {
    if (route.config?.slashAlias || route.method === 'HEAD') return
    const url = otherSpelling(route.url)
    this.route({
      ...route,
      url,
      path: url,
      config: { ...route.config, slashAlias: true },
      schema: { ...route.schema, hide: true },
    } as RouteOptions)
  })

  await app.register(seedAuthRoutes, opts)
  await app.register(seedAccountRoutes, opts)
  await app.register(seedBookRoutes, opts)
  await app.register(seedRentalRoutes, opts)

  // The old service's API documentation pages.
  for (const path of ['/swagger', '/redoc']) {
    app.get(path, { config: { auth: 'anyone' }, schema: { hide: true } }, (_request, reply) =>
      reply.redirect('/docs', 301),
    )
  }
}
