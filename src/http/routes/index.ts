// Every route plugin of the API, in one list: app.ts registers them in this order.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { AppDeps } from '../deps.js'
import { auditRoutes } from './audit.js'
import { authRoutes } from './auth.js'
import { bookCoverRoutes } from './book-covers.js'
import { bookRoutes } from './books.js'
import { healthRoutes } from './health.js'
import { metricsRoutes } from './metrics.js'
import { paymentRoutes } from './payments.js'
import { profileRoutes } from './profile.js'
import { rentalRoutes } from './rentals.js'
import { seedRoutes } from './seed/index.js'

export const routes: FastifyPluginAsyncTypebox<{ deps: AppDeps }>[] = [
  healthRoutes,
  metricsRoutes,
  authRoutes,
  profileRoutes,
  bookRoutes,
  bookCoverRoutes,
  rentalRoutes,
  paymentRoutes,
  auditRoutes,
  seedRoutes,
]
