// Every route plugin of the API, in one list: app.ts registers them in this order.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { AppDeps } from '../deps.js'
import { bookRoutes } from './books.js'
import { healthRoutes } from './health.js'

export const routes: FastifyPluginAsyncTypebox<{ deps: AppDeps }>[] = [healthRoutes, bookRoutes]
