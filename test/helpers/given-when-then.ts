// given(events).when(command, ctx).thenEvents(t, events) / .thenError(t, code): the decider test
// style of Emmett and Marten. The given events are folded with evolve; the decided events are
// folded too, so a test also proves that evolve accepts what decide emits.
import type { ErrorCode } from '../../src/domain/errors.js'
import { DomainError } from '../../src/domain/errors.js'

export type Decider<S, C, E, X> = {
  initialState: S
  evolve: (state: S, event: E) => S
  decide: (command: C, state: S, ctx: X) => E[]
}

/** The part of tap's `t` the helper uses, so it does not depend on tap's plugin types. */
type Asserts = {
  // `message` is required because tap types the rest as `[] | [string] | [Extra]`.
  strictSame(found: unknown, wanted: unknown, message: string): boolean
  equal(found: unknown, wanted: unknown, message: string): boolean
}

type Outcome<S, E> = { events: E[]; state: S } | { error: unknown }

export function givenWhenThen<S, C, E, X>(d: Decider<S, C, E, X>) {
  return (given: readonly E[]) => {
    const state = given.reduce(d.evolve, d.initialState)
    return {
      state,
      when(command: C, ctx: X) {
        let outcome: Outcome<S, E>
        try {
          const events = d.decide(command, state, ctx)
          outcome = { events, state: events.reduce(d.evolve, state) }
        } catch (error) {
          outcome = { error }
        }
        return {
          outcome,
          thenEvents(t: Asserts, expected: E[]): S {
            if ('error' in outcome) throw outcome.error
            t.strictSame(outcome.events, expected, 'decided events')
            return outcome.state
          },
          thenError(t: Asserts, code: ErrorCode): void {
            const error = 'error' in outcome ? outcome.error : undefined
            const found = error instanceof DomainError ? error.code : error
            t.equal(found, code, `fails with ${code}`)
          },
        }
      },
    }
  }
}
