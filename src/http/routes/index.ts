// Every route plugin of the API, in one list: app.ts registers them in this order.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { AppDeps } from '../deps.js'
import { auditRoutes } from './audit.js'
import { authRoutes } from './auth.js'
import { bookRoutes } from './books.js'
import { healthRoutes } from './health.js'
import { metricsRoutes } from './metrics.js'
import { paymentRoutes } from './payments.js'
import { rentalRoutes } from './rentals.js'
import { seedRoutes } from './seed/index.js'

export const routes: FastifyPluginAsyncTypebox<{ deps: AppDeps }>[] = [
  healthRoutes,
  metricsRoutes,
  authRoutes,
  bookRoutes,
  rentalRoutes,
  paymentRoutes,
  auditRoutes,
  seedRoutes,
]
