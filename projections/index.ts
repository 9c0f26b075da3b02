import type { Projection } from '../src/projector/projection.js'
import { bookAvailability } from './book-availability/apply.js'
import { userBalances } from './user-balances/apply.js'

export const PROJECTIONS: readonly Projection[] = [bookAvailability, userBalances]
