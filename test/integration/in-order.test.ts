import { randomUUID } from 'node:crypto'
import t from 'tap'
import { bookAvailability } from '../../projections/book-availability/apply.js'
import { inLogOrder } from '../../src/bus/in-order.js'
import { appendToStreams } from '../../src/eventstore/append.js'
import { START } from '../../src/eventstore/position.js'
import { readLog } from '../../src/eventstore/reader.js'
import { applyBatch } from '../../src/projector/apply-batch.js'
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
})
