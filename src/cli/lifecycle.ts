// Long-running commands stop gracefully on SIGTERM or SIGINT: stop taking work, finish the batch
// in hand, commit, ack, close, exit 0. A stop that hangs (a peer that never answers) is cut off
// after STOP_TIMEOUT_MS with exit 1, before the orchestrator's own grace period ends in a SIGKILL:
// the chart's terminationGracePeriodSeconds and compose's stop_grace_period are longer
// (test/delivery checks both).
import type { Logger } from 'pino'

export const STOP_TIMEOUT_MS = 25_000

export function stopOnSignal(
  log: Logger,
  stop: () => Promise<void>,
  timeoutMs = STOP_TIMEOUT_MS,
): void {
  let stopping = false
  const handler = (signal: string) => {
    if (stopping) return
    stopping = true
    log.info({ signal }, 'stopping: finishing the work in hand')
    setTimeout(() => {
      log.error({ timeoutMs }, 'stop did not finish in time: exiting')
      process.exit(1)
    }, timeoutMs).unref()
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
