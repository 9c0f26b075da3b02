/** Another writer appended to the stream since its state was read. Retry from a fresh read. */
export class ConcurrencyError extends Error {
  constructor(
    readonly streamId: string,
    readonly expectedVersion: number,
  ) {
    super(`stream ${streamId} is no longer at version ${expectedVersion}`)
    this.name = 'ConcurrencyError'
  }
}

/** Some, but not all, of an append's event ids are already in the log: not a clean retry. */
export class PartialDuplicateError extends Error {
  constructor(readonly eventIds: string[]) {
    super(`events ${eventIds.join(', ')} were already appended in another append`)
    this.name = 'PartialDuplicateError'
  }
}

/** The database's xid counter is below stored transaction ids: the log order cannot be trusted. */
export class XidHorizonError extends Error {
  override name = 'XidHorizonError'
}
