import type { Config } from '../config.js'
import { migrate } from './migrate.js'
import { serve } from './serve.js'

export interface Command {
  summary: string
  /** Returns the exit code, or nothing for 0 once the process's handles are closed. */
  run(args: string[], config: Config): Promise<number | undefined>
}

export const commands: Record<string, Command> = {
  serve: { summary: 'the HTTP API (and, unless WORKERS=off, the projection workers)', run: serve },
  migrate: {
    summary: 'apply database migrations (safe to repeat and to run at once)',
    run: migrate,
  },
}
