import { randomUUID } from 'node:crypto'
import { decideAccount, evolveAccount, initialAccountState } from '../domain/account.js'
import { accountStreamId } from '../domain/events.js'
import type { EventMetadata } from '../eventstore/append.js'
import type { Position } from '../eventstore/position.js'
import { type CommandDeps, type CommandOptions, executeCommand } from './execute.js'
import { appendFor } from './streams.js'

export interface PaymentResult {
  payment: {
    id: string
    userId: string
    amountCents: number
    reference: string | null
    recordedAt: string
    recordedBy: string
  }
  position: Position
}

export function recordPayment(
  deps: CommandDeps,
  input: { userId: string; amountCents: number; reference: string | null; recordedBy: string },
  metadata: EventMetadata,
  options?: CommandOptions<PaymentResult>,
): Promise<PaymentResult> {
  const paymentId = randomUUID()
  return executeCommand(
    deps,
    'RecordPayment',
    {
      streams: [accountStreamId(input.userId)],
      decide: (streams, now) => {
        const account = streams.get(accountStreamId(input.userId), initialAccountState)
        const events = decideAccount(
          {
            type: 'RecordPayment',
            paymentId,
            amountCents: input.amountCents,
            reference: input.reference,
            recordedBy: input.recordedBy,
          },
          account.state,
          { now, limits: deps.limits },
        )
        // The payment id is the event id: the log's unique event ids make a payment apply once.
        return {
          appends: [appendFor(account, events, evolveAccount, metadata, [paymentId])],
          result: (position) => ({
            payment: {
              id: paymentId,
              userId: input.userId,
              amountCents: input.amountCents,
              reference: input.reference,
              recordedAt: now.toISOString(),
              recordedBy: input.recordedBy,
            },
            position,
          }),
        }
      },
    },
    options,
  )
}
