// What the HTTP app needs from the outside world: built by `serve` and by the tests alike.

import type { CommandDeps } from '../commands/execute.js'
import type { Config } from '../config.js'
import type { Database } from '../db/database.js'
import type { ProjectionProgress } from '../projector/progress.js'

export interface AppDeps {
  config: Pick<
    Config,
    | 'JWT_SECRET'
    | 'ACCESS_TOKEN_TTL_SECONDS'
    | 'REFRESH_TOKEN_TTL_SECONDS'
    | 'BCRYPT_COST'
    | 'BODY_LIMIT_BYTES'
    | 'LOGIN_MAX_PER_MINUTE'
    | 'REGISTRATIONS_PER_HOUR'
    | 'REQUEST_TIMEOUT_MS'
    | 'CONNECTION_TIMEOUT_MS'
    | 'MIN_POSITION_WAIT_MS'
    | 'LOG_LEVEL'
    | 'TRUST_PROXY'
    | 'NATS_URL'
    | 'NATS_PREFIX'
    | 'AUDIT_SIGNING_KEY'
    | 'STALL_AFTER_SECONDS'
  > & { JWT_SECRET: string }
  database: Database
  commands: CommandDeps
  progress: ProjectionProgress
  /** Extra readiness checks (the bus, the feeders): each throws when not ready. */
  readiness?: Record<string, () => Promise<void>>
  /** pino options or false; tests pass false. */
  logger?: boolean | object
}
