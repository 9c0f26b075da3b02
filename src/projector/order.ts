// Pure: a delivered batch in log order, and whether it is exactly the log's next events.
import { comparePositions, encodePosition, type Position } from '../eventstore/position.js'
import type { StoredEvent } from '../eventstore/reader.js'

/** An event that may name its predecessor in the log (messages from the relay do). */
export interface LinkedEvent extends StoredEvent {
  /** The position token of the log's event before this one (START's for the first). */
  previous?: string
}

/** The events after `from`, each once, in log order. */
export function inOrderAfter<E extends StoredEvent>(from: Position, events: readonly E[]): E[] {
  const byToken = new Map<string, E>()
  for (const e of events) if (comparePositions(e.position, from) > 0) byToken.set(e.token, e)
  return [...byToken.values()].sort((a, b) => comparePositions(a.position, b.position))
}

/** True when `fresh` (in log order) links unbroken from `from`: exactly the log's next events. */
export function linkedFrom(from: Position, fresh: readonly LinkedEvent[]): boolean {
  return fresh.every(
    (e, i) => e.previous === (i === 0 ? encodePosition(from) : fresh[i - 1]!.token),
  )
}
