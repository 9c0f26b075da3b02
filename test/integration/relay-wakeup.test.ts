// The relay publishes events the log's gate held back as soon as the gate lets them through, even
// when nothing announces it (issue 11, section 1: recovery within the minPosition bound). The
// transaction holding them back appended nothing (or lives in another database), so its end
// sends no notification: before, the relay slept until its fallback poll.
import { randomUUID } from 'node:crypto'
import pg from 'pg'
import pino from 'pino'
import t from 'tap'
import { busNames, connectNats, natsSettings } from '../../src/bus/nats.js'
import { Relay } from '../../src/bus/relay.js'
import { loadRelayCursor } from '../../src/bus/relay-cursor.js'
import { announceAppends } from '../../src/eventstore/announce.js'
import { appendToStreams } from '../../src/eventstore/append.js'
import { comparePositions } from '../../src/eventstore/position.js'
import { headPosition } from '../../src/eventstore/reader.js'
import { createPostgresDatabase, openTestDatabase } from '../helpers/db.js'
import { cleanupStream, freshPrefix, NATS_URL, natsTest } from '../helpers/nats.js'
import { waitFor } from '../helpers/processes.js'

natsTest(t, 'events held back by an open transaction go out when it ends', async (t) => {
  const prefix = freshPrefix()
  cleanupStream(t, prefix)
  const url = await createPostgresDatabase(t)
  const database = await openTestDatabase(t, 'postgres', url)
  const db = database.db
  const nc = await connectNats(NATS_URL, 'relay-wakeup test')
  t.teardown(() => nc.close())
  const names = busNames(prefix)
  // A fallback poll far beyond the test's deadlines: only a prompt re-read can pass.
  const relay = new Relay(database, nc, names, {
    log: pino({ level: 'silent' }),
    settings: natsSettings({ NATS_REPLICAS: 1 }),
    pollMs: 600_000,
  })
  await relay.start()
  t.teardown(() => relay.stop())
  // Led and idle: it has read the (empty) log and waits for news.
  await waitFor('the relay to lead and read', () => relay.isLeader && relay.reads > 0, 10_000)

  // A transaction with an id below the append's, open across it, that appends nothing.
  const blocker = new pg.Client({ connectionString: url })
  await blocker.connect()
  t.teardown(() => blocker.end())
  await blocker.query('BEGIN')
  await blocker.query('SELECT pg_current_xact_id()')

  await db.transaction().execute((trx) =>
    appendToStreams(trx, [
      {
        streamId: `note-${randomUUID()}`,
        expectedVersion: 0,
        events: [{ eventId: randomUUID(), type: 'Noted', data: {} }],
        state: {},
      },
    ]),
  )
  const reads = relay.reads
  await announceAppends(db)
  t.equal(await headPosition(db), undefined, 'committed, but held back by the open transaction')
  await waitFor('the relay to read the log on the news', () => relay.reads > reads, 10_000, 5)

  await blocker.query('COMMIT')
  const published = async () => {
    const head = await headPosition(db)
    const cursor = await loadRelayCursor(db, names.stream)
    return head !== undefined && comparePositions(cursor.position, head) >= 0
  }
  // The relay saves its cursor, then counts what it published: wait for both, or the count is
  // read in between.
  await waitFor(
    'the relay to publish the event',
    async () => (await published()) && relay.published > 0,
    10_000,
    20,
  )
  t.equal(relay.published, 1, 'published once the gate let it through, unannounced')
})
