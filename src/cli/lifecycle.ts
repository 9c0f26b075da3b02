// Long-running commands stop gracefully on SIGTERM or SIGINT: stop taking work, finish the batch
// in hand, commit, ack, close, exit 0.
import type { Logger } from 'pino'

export function stopOnSignal(log: Logger, stop: () => Promise<void>): void {
  let stopping = false
  const handler = (signal: string) => {
    if (stopping) return
    stopping = true
    log.info({ signal }, 'stopping: finishing the work in hand')
    stop().then(
      () => process.exit(0),
      (err) => {
        log.error({ err }, 'unclean stop')
        process.exit(1)
      },
    )
  }
  process.on('SIGTERM', () => handler('SIGTERM'))
  process.on('SIGINT', () => handler('SIGINT'))
}
