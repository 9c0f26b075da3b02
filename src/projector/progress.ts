// How far each projection has got, for `?minPosition` and `X-Ledger-Position`. Fed by the
// projections' commit notifications (whichever process ran the batch), so a waiting query wakes
// when its position is applied, without polling.
import {
  comparePositions,
  decodePosition,
  encodePosition,
  type Position,
  START,
} from '../eventstore/position.js'

interface Waiter {
  position: Position
  resolve(reached: boolean): void
}

export class ProjectionProgress {
  private readonly positions = new Map<string, Position>()
  private readonly waiters = new Map<string, Set<Waiter>>()
  private readonly listeners = new Set<(name: string, position: Position) => void>()

  position(name: string): Position {
    return this.positions.get(name) ?? START
  }

  token(name: string): string {
    return encodePosition(this.position(name))
  }

  /** Records that `name` has applied everything up to `position` (never moves backwards). */
  advance(name: string, position: Position): void {
    if (comparePositions(position, this.position(name)) <= 0) return
    this.positions.set(name, position)
    for (const listener of this.listeners) listener(name, position)
    for (const w of this.waiters.get(name) ?? []) {
      if (comparePositions(position, w.position) >= 0) w.resolve(true)
    }
  }

  /** Calls `listener` on every advance (the live route); returns the unsubscribe function. */
  onAdvance(listener: (name: string, position: Position) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** A `<name> <token>` notification payload, as sent by applyBatch. */
  onNotification(payload: string): void {
    const [name, token] = payload.split(' ')
    if (name && token) this.advance(name, decodePosition(token))
  }

  /** Resolves true once `name` reaches `position`, false after `timeoutMs`. */
  waitFor(name: string, position: Position, timeoutMs: number): Promise<boolean> {
    if (comparePositions(this.position(name), position) >= 0) return Promise.resolve(true)
    return new Promise((resolve) => {
      const set = this.waiters.get(name) ?? new Set()
      this.waiters.set(name, set)
      const waiter: Waiter = {
        position,
        resolve: (reached) => {
          clearTimeout(timer)
          set.delete(waiter)
          resolve(reached)
        },
      }
      const timer = setTimeout(() => waiter.resolve(false), timeoutMs)
      set.add(waiter)
    })
  }
}
