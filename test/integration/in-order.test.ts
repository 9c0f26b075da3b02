import { randomUUID } from 'node:crypto'
import t from 'tap'
import { bookAvailability } from '../../projections/book-availability/apply.js'
import { inLogOrder } from '../../src/bus/in-order.js'
import { appendToStreams } from '../../src/eventstore/append.js'
import { START } from '../../src/eventstore/position.js'
import { readLog, type StoredEvent } from '../../src/eventstore/reader.js'
import { applyBatch, NotLinkedError, readCheckpoint } from '../../src/projector/apply-batch.js'
import { ensureProjectionSchemas } from '../../src/projector/schema.js'
import { forEachBackend } from '../helpers/db.js'
import { waitFor } from '../helpers/processes.js'

forEachBackend(t, async (t, d) => {
  await ensureProjectionSchemas(d.db, [bookAvailability])
  // Five events of other categories: the projection only moves its checkpoint over them.
  for (let i = 0; i < 5; i++) {
    await d.db.transaction().execute((trx) =>
      appendToStreams(trx, [
        {
          streamId: `note-${i}`,
          expectedVersion: 0,
          events: [{ eventId: randomUUID(), type: 'Noted', data: {} }],
          state: {},
        },
      ]),
    )
  }
  // The xid gate is cluster-wide: a transaction of another test's database can hold it a moment.
  let log = await readLog(d.db, { after: START, limit: 10 })
  await waitFor('the five events to be readable', async () => {
    log = await readLog(d.db, { after: START, limit: 10 })
    return log.length === 5
  })
  await applyBatch(d.db, bookAvailability, log.slice(0, 2))
  const ids = (b: { events: { eventId: string }[] }) => b.events.map((e) => e.eventId)

  const inOrder = await inLogOrder(d.db, bookAvailability, [log[2]!, log[3]!])
  t.same(ids(inOrder), [log[2]!.eventId, log[3]!.eventId], 'the next events are taken as delivered')
  t.equal(inOrder.filled, false)

  const messy = await inLogOrder(d.db, bookAvailability, [log[4]!, log[2]!, log[2]!, log[0]!])
  t.same(
    ids(messy),
    [log[2]!, log[3]!, log[4]!].map((e) => e.eventId),
    'duplicates dropped, applied ones skipped, the hole filled from the log, in log order',
  )
  t.equal(messy.filled, true)

  t.same(ids(await inLogOrder(d.db, bookAvailability, [log[1]!])), [], 'all already applied')

  // Unlinked messages with the log's ids are applied with the log's content, not theirs.
  const altered = await inLogOrder(d.db, bookAvailability, [
    { ...log[2]!, data: { forged: true } },
    log[3]!,
  ])
  t.same(
    altered.events.map((e) => e.data),
    [log[2]!.data, log[3]!.data],
    "the content is the log's",
  )

  // Linked messages (each names the log event before it) need no read of the log when unbroken.
  const linked = (e: StoredEvent, before: StoredEvent) => ({ ...e, previous: before.token })
  const stranger = { ...log[2]!, eventId: randomUUID() }
  const trusted = await inLogOrder(d.db, bookAvailability, [
    linked(log[3]!, stranger),
    linked(stranger, log[1]!),
  ])
  t.same(
    ids(trusted),
    [stranger.eventId, log[3]!.eventId],
    'an unbroken chain is taken as delivered',
  )
  t.equal(trusted.filled, false)
  const broken = await inLogOrder(d.db, bookAvailability, [
    linked(log[2]!, log[1]!),
    linked(log[4]!, log[3]!),
  ])
  t.same(
    ids(broken),
    [log[2]!, log[3]!, log[4]!].map((e) => e.eventId),
    'a broken chain (log[3] missing) is filled from the log',
  )
  t.equal(broken.filled, true)
  const detached = await inLogOrder(d.db, bookAvailability, [linked(log[3]!, log[2]!)])
  t.same(
    ids(detached),
    [log[2]!, log[3]!].map((e) => e.eventId),
    'a chain must start at the checkpoint',
  )

  // A worker's batch: applied as delivered when linked from the checkpoint, else not at all.
  await t.rejects(
    applyBatch(d.db, bookAvailability, [linked(log[3]!, log[2]!)], { linkedOnly: true }),
    NotLinkedError,
    'an unlinked batch is left to be put in log order',
  )
  t.same(await readCheckpoint(d.db, bookAvailability.schema), log[1]!.position, 'nothing applied')
  t.same(
    await applyBatch(d.db, bookAvailability, [linked(log[3]!, log[2]!), linked(log[2]!, log[1]!)], {
      linkedOnly: true,
    }),
    log[3]!.position,
    'a linked batch is applied, in log order',
  )
  t.same(await readCheckpoint(d.db, bookAvailability.schema), log[3]!.position)
})
