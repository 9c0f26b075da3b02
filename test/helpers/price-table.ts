// API.md's Pricing table in cents for rentals of 1 to 6 days, worked out by hand: written out,
// never computed with the pricing code it checks.
import type { BookType, Plan } from '../../src/domain/pricing.js'

export const PRICE_TABLE: Record<Plan, Record<BookType, readonly number[]>> = {
  v1: {
    regular: [100, 200, 300, 400, 500, 600],
    fiction: [100, 200, 300, 400, 500, 600],
    novel: [100, 200, 300, 400, 500, 600],
  },
  v2: {
    regular: [150, 300, 450, 600, 750, 900],
    fiction: [300, 600, 900, 1200, 1500, 1800],
    novel: [150, 300, 450, 600, 750, 900],
  },
  v3: {
    // 200 for up to 2 days, then 150 per further day
    regular: [200, 200, 350, 500, 650, 800],
    fiction: [300, 600, 900, 1200, 1500, 1800],
    // 450 flat up to 3 days, then 150 for every day
    novel: [450, 450, 450, 600, 750, 900],
  },
}
