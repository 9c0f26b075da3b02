import type { Config } from '../config.js'
import { auditPublicKey } from './audit-public-key.js'
import { createSuperuser } from './create-superuser.js'
import { demoCatalogue } from './demo-catalogue.js'
import { exportLog } from './export.js'
import { migrate } from './migrate.js'
import { project } from './project.js'
import { relay } from './relay.js'
import { replay } from './replay.js'
import { serve } from './serve.js'
import { verify } from './verify.js'
import { verifyExportCommand } from './verify-export.js'

export interface Command {
  summary: string
  /** Returns the exit code, or nothing for 0 once the process's handles are closed. */
  run(args: string[], config: Config): Promise<number | undefined>
}

export const commands: Record<string, Command> = {
  serve: { summary: 'the HTTP API (and, unless WORKERS=off, the projection workers)', run: serve },
  relay: {
    summary: 'publish the committed event log, in log order, to NATS JetStream',
    run: relay,
  },
  project: {
    summary: 'run projection workers [NAME...] (from NATS, or the log without NATS_URL)',
    run: project,
  },
  migrate: {
    summary: 'apply database migrations (safe to repeat and to run at once)',
    run: migrate,
  },
  'create-superuser': {
    summary: 'create a staff account (password from RENTAL_LEDGER_PASSWORD or a prompt)',
    run: createSuperuser,
  },
  'demo-catalogue': {
    summary: 'add a few dozen real books of all three types, to try the API with',
    run: demoCatalogue,
  },
  replay: {
    summary: 'rebuild read models from the event log and swap them in (--projection NAME)',
    run: replay,
  },
  verify: {
    summary: 'rebuild every read model and compare; check the audit chain; exit 1 on a difference',
    run: verify,
  },
  export: {
    summary: 'the audit export of the event log (--format ndjson|csv --out FILE --after POS ...)',
    run: exportLog,
  },
  'verify-export': {
    summary: 'check an export offline: its hash chain and signed head (FILE... --public-key K)',
    run: (args) => verifyExportCommand(args),
  },
  'audit-public-key': {
    summary: 'print the public key of AUDIT_SIGNING_KEY (--format pem|base64)',
    run: auditPublicKey,
  },
}
