import type { Config } from '../config.js'

export interface Command {
  summary: string
  /** Returns the exit code, or nothing for 0 once the process's handles are closed. */
  run(args: string[], config: Config): Promise<number | undefined>
  /** Streams much through few live objects: runs with V8's young generation kept small (main.ts). */
  steadyMemory?: boolean
}

/**
 * A command's module is loaded only when that command runs: `export` or `verify-export` need not
 * load the HTTP server, and a short command starts in less time and memory.
 */
function lazy<M>(load: () => Promise<M>, pick: (m: M) => Command['run']): Command['run'] {
  return async (args, config) => pick(await load())(args, config)
}

export const commands: Record<string, Command> = {
  serve: {
    summary: 'the HTTP API (and, unless WORKERS=off, the projection workers)',
    run: lazy(
      () => import('./serve.js'),
      (m) => m.serve,
    ),
  },
  relay: {
    summary: 'publish the committed event log, in log order, to NATS JetStream',
    run: lazy(
      () => import('./relay.js'),
      (m) => m.relay,
    ),
  },
  project: {
    summary: 'run projection workers [NAME...] (from NATS, or the log without NATS_URL)',
    run: lazy(
      () => import('./project.js'),
      (m) => m.project,
    ),
  },
  migrate: {
    summary: 'apply database migrations (safe to repeat and to run at once)',
    run: lazy(
      () => import('./migrate.js'),
      (m) => m.migrate,
    ),
  },
  'create-superuser': {
    summary: 'create a staff account (password from RENTAL_LEDGER_PASSWORD or a prompt)',
    run: lazy(
      () => import('./create-superuser.js'),
      (m) => m.createSuperuser,
    ),
  },
  'demo-catalogue': {
    summary: 'add a few dozen real books of all three types, to try the API with',
    run: lazy(
      () => import('./demo-catalogue.js'),
      (m) => m.demoCatalogue,
    ),
  },
  replay: {
    summary: 'rebuild read models from the event log and swap them in (--projection NAME)',
    run: lazy(
      () => import('./replay.js'),
      (m) => m.replay,
    ),
  },
  verify: {
    summary: 'rebuild every read model and compare; check the audit chain; exit 1 on a difference',
    run: lazy(
      () => import('./verify.js'),
      (m) => m.verify,
    ),
  },
  export: {
    summary: 'the audit export of the event log (--format ndjson|csv --out FILE --after POS ...)',
    run: lazy(
      () => import('./export.js'),
      (m) => m.exportLog,
    ),
    steadyMemory: true,
  },
  'verify-export': {
    summary: 'check an export offline: its hash chain and signed head (FILE... --public-key K)',
    run: lazy(
      () => import('./verify-export.js'),
      (m) => (args) => m.verifyExportCommand(args),
    ),
  },
  'audit-public-key': {
    summary: 'print the public key of AUDIT_SIGNING_KEY (--format pem|base64)',
    run: lazy(
      () => import('./audit-public-key.js'),
      (m) => m.auditPublicKey,
    ),
  },
}
