// The original Django service's paths (API.md, Seed-compatible routes), served from the same
// accounts, events and read models as /api, with the old service's authorization holes closed.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { AppDeps } from '../../deps.js'
import { seedAccountRoutes } from './accounts.js'
import { seedLibraryRoutes } from './library.js'

export const seedRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, opts) => {
  await app.register(seedAccountRoutes, opts)
  await app.register(seedLibraryRoutes, opts)
}
