// Prometheus metrics (prom-client), one registry per process. Counters are bumped where things
// happen; lags and pool usage are measured when /metrics is scraped.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'

export const registry = new Registry()
collectDefaultMetrics({ register: registry, prefix: 'rental_ledger_process_' })

export const httpDuration = new Histogram({
  name: 'rental_ledger_http_request_duration_seconds',
  help: 'HTTP request durations by method, route and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  registers: [registry],
})

export const commandsTotal = new Counter({
  name: 'rental_ledger_commands_total',
  help: 'commands by type and outcome (ok, refused with a domain error code, or error)',
  labelNames: ['command', 'outcome'] as const,
  registers: [registry],
})

export const concurrencyRetries = new Counter({
  name: 'rental_ledger_command_concurrency_retries_total',
  help: 'commands decided again because another process appended to their streams first',
  labelNames: ['command'] as const,
  registers: [registry],
})

export const contentionExhausted = new Counter({
  name: 'rental_ledger_command_contention_exhausted_total',
  help: 'commands answered 503 because other writers kept moving their streams past the bound',
  registers: [registry],
})

export const commandBatchSize = new Histogram({
  name: 'rental_ledger_command_batch_size',
  help: 'commands written together by one flush of the batcher',
  buckets: [1, 2, 4, 8, 16, 32, 64, 128],
  registers: [registry],
})

export const eventsAppended = new Counter({
  name: 'rental_ledger_events_appended_total',
  help: 'events appended to the log by this process',
  registers: [registry],
})

export const relayPublished = new Counter({
  name: 'rental_ledger_relay_published_total',
  help: 'events the relay published to JetStream',
  registers: [registry],
})

export const natsReconnects = new Counter({
  name: 'rental_ledger_nats_reconnects_total',
  help: 'times the NATS connection was re-established',
  registers: [registry],
})

export const projectionBatches = new Counter({
  name: 'rental_ledger_projection_batches_total',
  help: 'batches applied by projection workers, and batches NATS delivered out of order that were taken from the log',
  labelNames: ['projection', 'source'] as const,
  registers: [registry],
})

export const rejectedMessages = new Counter({
  name: 'rental_ledger_projection_rejected_messages_total',
  help: 'messages a projection worker set aside unapplied (terminated), by reason',
  labelNames: ['projection', 'reason'] as const,
  registers: [registry],
})

/** Gauges whose value is read from the database at scrape time (see http/routes/metrics.ts). */
export const relayLagEvents = new Gauge({
  name: 'rental_ledger_relay_lag_events',
  help: 'committed events the relay has not yet published',
  registers: [registry],
})
export const relayLagSeconds = new Gauge({
  name: 'rental_ledger_relay_lag_seconds',
  help: 'age of the oldest committed event not yet published (0 when none)',
  registers: [registry],
})
export const projectionLagEvents = new Gauge({
  name: 'rental_ledger_projection_lag_events',
  help: "committed events after each projection's checkpoint",
  labelNames: ['projection'] as const,
  registers: [registry],
})
export const projectionStalled = new Gauge({
  name: 'rental_ledger_projection_stalled',
  help: '1 while a projection is stalled: behind the log, its checkpoint and the oldest event it lacks both older than STALL_AFTER_SECONDS',
  labelNames: ['projection'] as const,
  registers: [registry],
})
export const relayStalled = new Gauge({
  name: 'rental_ledger_relay_stalled',
  help: '1 while the relay is stalled: behind the log, its cursor and the oldest event it lacks both older than STALL_AFTER_SECONDS',
  registers: [registry],
})
export const poolConnections = new Gauge({
  name: 'rental_ledger_db_pool_connections',
  help: 'PostgreSQL pool connections by state (total, idle, waiting clients)',
  labelNames: ['state'] as const,
  registers: [registry],
})
