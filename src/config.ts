// The environment, described once: the schema below is the documentation, the validation and the
// type. It is parsed once at start; a missing or malformed setting stops the process with one line.
import { type Static, Type } from 'typebox'
import Value from 'typebox/value'
import { KeyFormatError, loadSigningKey } from './audit/signing.js'

const Int = (def: number, min: number, max: number, description: string) =>
  Type.Integer({ default: def, minimum: min, maximum: max, description })
const OnOff = (def: 'on' | 'off', description: string) =>
  Type.Union([Type.Literal('on'), Type.Literal('off')], { default: def, description })

export const ConfigSchema = Type.Object({
  NODE_ENV: Type.Union(
    [Type.Literal('development'), Type.Literal('production'), Type.Literal('test')],
    { default: 'development', description: 'production requires JWT_SECRET' },
  ),
  PORT: Int(3000, 0, 65535, 'where the API listens'),
  HOST: Type.String({
    default: '127.0.0.1',
    minLength: 1,
    description: 'where the API (and the health listener of relay and project) listens',
  }),
  HEALTH_PORT: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: 65535,
      description:
        'relay and project: the port of their health and metrics listener (/healthz, /readyz, /metrics); unset: none',
    }),
  ),
  STALL_AFTER_SECONDS: Int(
    30,
    1,
    86_400,
    'a projection (or the relay) behind the log whose position and oldest waiting event are both older than this is stalled',
  ),
  DATABASE_URL: Type.Optional(
    Type.String({
      pattern: '^postgres(ql)?://',
      description: 'PostgreSQL; unset: embedded PostgreSQL (PGlite) in DATA_DIR',
    }),
  ),
  DB_POOL_MAX: Int(
    10,
    8,
    200,
    'connections in the PostgreSQL pool; at least 8, since `serve` with its workers keeps up to ' +
      'six of them for LISTEN and advisory locks, and fewer left requests waiting for ever',
  ),
  COMMAND_FLUSHES_IN_FLIGHT: Int(
    2,
    1,
    16,
    'flushes of the command batcher in flight at once, never two on the same stream; each ' +
      'holds one pooled connection while it runs, so keep it well under DB_POOL_MAX',
  ),
  NATS_URL: Type.Optional(
    Type.String({
      pattern: '^(nats|tls)://',
      description: 'NATS with JetStream; unset: projections read the log in-process',
    }),
  ),
  NATS_TOKEN: Type.Optional(
    Type.String({
      minLength: 16,
      description: "NATS authentication token (the chart's bundled NATS requires one)",
    }),
  ),
  NATS_PREFIX: Type.String({
    default: 'ledger',
    pattern: '^[A-Za-z0-9_-]+$',
    description: "names this deployment's stream, subjects and consumers",
  }),
  NATS_REPLICAS: Int(1, 1, 5, 'JetStream stream replicas (3 in production)'),
  DATA_DIR: Type.String({ default: './data', minLength: 1, description: 'embedded-mode files' }),
  JWT_SECRET: Type.Optional(
    Type.String({ minLength: 32, description: 'signing key, at least 32 characters' }),
  ),
  ACCESS_TOKEN_TTL_SECONDS: Int(900, 30, 86_400, 'lifetime of an access token'),
  REFRESH_TOKEN_TTL_SECONDS: Int(30 * 86_400, 60, 365 * 86_400, 'lifetime of a refresh token'),
  PRICE_PLAN: Type.Union([Type.Literal('v1'), Type.Literal('v2'), Type.Literal('v3')], {
    default: 'v3',
    description: 'price plan recorded on new rentals',
  }),
  BCRYPT_COST: Int(12, 4, 31, 'bcrypt work factor for passwords'),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info', description: 'pino level' },
  ),
  WORKERS: OnOff('on', 'serve also runs the relay and projection workers'),
  MAX_OPEN_RENTALS: Int(5, 1, 1000, 'open rentals a user may hold at once'),
  MAX_OWED_CENTS: Int(5000, 0, 100_000_000, 'no new rental while a user owes this or more'),
  MIN_POSITION_WAIT_MS: Int(2000, 0, 60_000, 'how long a query waits for ?minPosition'),
  BODY_LIMIT_BYTES: Int(65_536, 1024, 10_485_760, 'largest request body'),
  LOGIN_MAX_PER_MINUTE: Int(
    10,
    1,
    10_000,
    'sign-in attempts per client and minute, over both login routes together',
  ),
  REGISTRATIONS_PER_HOUR: Int(
    20,
    1,
    100_000,
    'registrations per client and hour, over both registration routes together',
  ),
  REQUEST_TIMEOUT_MS: Int(
    30_000,
    1000,
    600_000,
    'a request whose headers and body have not all arrived by then is answered 408 and closed',
  ),
  CONNECTION_TIMEOUT_MS: Int(
    120_000,
    1000,
    3_600_000,
    'a connection idle this long (nothing read or written) is closed; streams must send more often',
  ),
  TRUST_PROXY: OnOff(
    'off',
    'on behind a load balancer: client addresses (rate limits, logs) come from X-Forwarded-For',
  ),
  NATS_ACK_WAIT_MS: Int(10_000, 500, 600_000, 'JetStream redelivers an unacked event after this'),
  AUDIT_SIGNING_KEY: Type.Optional(
    Type.String({
      minLength: 1,
      description:
        'Ed25519 private key signing audit heads: PKCS#8, PEM or the base64 of its DER; unset: heads are unsigned',
    }),
  ),
  AUDIT_HEAD_INTERVAL_SECONDS: Int(60, 1, 86_400, 'the chain writer signs its head this often'),
  FAULT_EXIT_AFTER_COMMITS: Int(
    0,
    0,
    1_000_000,
    'fault injection for tests: a projection worker exits (code 86) right after this many committed batches, before acking; 0 is off',
  ),
})

export type Config = Readonly<Static<typeof ConfigSchema>>

export class ConfigError extends Error {
  override name = 'ConfigError'
}

type PropertyRule = { description?: string; anyOf?: { const: unknown }[] }

/** Parses the environment; throws a ConfigError whose message is one line naming the variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const keys = Object.keys(ConfigSchema.properties) as (keyof typeof ConfigSchema.properties)[]
  // Empty strings count as unset, as a shell `FOO= cmd` means.
  const raw = Object.fromEntries(
    keys.filter((k) => env[k] !== undefined && env[k] !== '').map((k) => [k, env[k]]),
  )
  const value = Value.Convert(ConfigSchema, Value.Default(ConfigSchema, raw))
  const first = Value.Errors(ConfigSchema, value)[0]
  if (first) {
    const name = first.instancePath.replace(/^\//, '') || 'environment'
    const shown = env[name] === undefined ? 'missing' : JSON.stringify(env[name])
    const rule = (ConfigSchema.properties as Record<string, PropertyRule>)[name]
    const choices = rule?.anyOf?.map((s) => s.const).join(', ')
    const message = choices ? `must be one of ${choices}` : first.message
    throw new ConfigError(
      `invalid setting ${name} (${shown}): ${message}${rule?.description ? ` — ${rule.description}` : ''}`,
    )
  }
  const config = value as Static<typeof ConfigSchema>
  if (config.NODE_ENV === 'production' && !config.JWT_SECRET) {
    throw new ConfigError('invalid setting JWT_SECRET (missing): required when NODE_ENV=production')
  }
  try {
    loadSigningKey(config.AUDIT_SIGNING_KEY)
  } catch (err) {
    if (!(err instanceof KeyFormatError)) throw err
    throw new ConfigError(`invalid setting AUDIT_SIGNING_KEY (not shown): ${err.message}`)
  }
  return Object.freeze(config)
}
