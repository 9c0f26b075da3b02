// A place in the log: the pair (transaction_id, global_position) that orders it (DESIGN.md, "Log
// order"). Clients see it as one opaque token; tokens of fixed width compare as strings in log order.
export interface Position {
  readonly transactionId: bigint
  readonly globalPosition: number
}

export const START: Position = Object.freeze({ transactionId: 0n, globalPosition: 0 })

const WIDTH = 16
const TOKEN = /^[0-9a-f]{32}$/

export class InvalidPositionError extends Error {}

export function encodePosition(p: Position): string {
  return (
    p.transactionId.toString(16).padStart(WIDTH, '0') +
    p.globalPosition.toString(16).padStart(WIDTH, '0')
  )
}

export function decodePosition(token: string): Position {
  if (!TOKEN.test(token)) throw new InvalidPositionError(`not a position: ${JSON.stringify(token)}`)
  const globalPosition = Number.parseInt(token.slice(WIDTH), 16)
  if (!Number.isSafeInteger(globalPosition)) {
    throw new InvalidPositionError(`not a position: ${JSON.stringify(token)}`)
  }
  return { transactionId: BigInt(`0x${token.slice(0, WIDTH)}`), globalPosition }
}

export function comparePositions(a: Position, b: Position): number {
  if (a.transactionId !== b.transactionId) return a.transactionId < b.transactionId ? -1 : 1
  return a.globalPosition - b.globalPosition
}
