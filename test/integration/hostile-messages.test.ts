// Messages on the deployment's stream that are not the relay's (issue 11, section 1): junk stalls
// neither the relay nor the workers, before or after a restart, and a well-formed forgery that
// links to the checkpoint never reaches a read model. Anyone who can publish on the subjects can
// do both, so the service, with its relay and workers in one process, runs against real
// PostgreSQL and NATS.
import { randomBytes, randomUUID } from 'node:crypto'
import { jetstream } from '@nats-io/jetstream'
import { connect, headers } from '@nats-io/transport-node'
import pino from 'pino'
import t, { type Test } from 'tap'
import { PROJECTIONS } from '../../projections/index.js'
import { encodeEvent } from '../../src/bus/message.js'
import { busKey, SIGNATURE_HEADER } from '../../src/bus/signing.js'
import { encodePosition } from '../../src/eventstore/position.js'
import { readCheckpoint } from '../../src/projector/apply-batch.js'
import { verifyProjections } from '../../src/projector/verify.js'
import { openTestDatabase, startTestApp, type TestApp } from '../helpers/app.js'
import { settledLog } from '../helpers/db.js'
import { cleanupStream, freshPrefix, NATS_URL, natsTest } from '../helpers/nats.js'

/** A pino logger whose records the test reads. */
function capturedLog() {
  const records: Record<string, unknown>[] = []
  const log = pino({ level: 'warn' }, { write: (line: string) => records.push(JSON.parse(line)) })
  return { log, setAside: () => records.filter((r) => r.msg === 'message set aside: not applied') }
}

/** A raw NATS client, publishing on the test's subjects as anyone on the bus could. */
async function publisher(t: Test) {
  const nc = await connect({ servers: NATS_URL })
  t.teardown(() => nc.close())
  return jetstream(nc)
}

// Generous: on a shared machine the fan-out can be slow; a stall is what fails, not slowness.
const WAIT_MS = '20000'

/** The book reaches the read model (within WAIT_MS, else 503). */
async function readable(t: Test, ctx: TestApp, book: { id: string; position: string }) {
  const res = await ctx.app.inject({ url: `/api/books/${book.id}?minPosition=${book.position}` })
  t.equal(res.statusCode, 200, `book ${book.id} reached the read model`)
}

/** rental_ledger_projection_rejected_messages_total by projection and reason, from /metrics. */
async function rejectedMetric(ctx: TestApp): Promise<Record<string, number>> {
  const text = (await ctx.app.inject({ url: '/metrics' })).body
  const out: Record<string, number> = {}
  for (const line of text.split('\n')) {
    const m = /^rental_ledger_projection_rejected_messages_total\{(.*)\} (\d+)$/.exec(line)
    if (m) out[m[1]!] = Number(m[2])
  }
  return out
}

/** The series that moved, and by how much. */
const delta = (after: Record<string, number>, before: Record<string, number>) =>
  Object.fromEntries(
    Object.entries(after)
      .map(([k, v]) => [k, v - (before[k] ?? 0)] as const)
      .filter(([, d]) => d !== 0),
  )

natsTest(t, 'junk on the stream stalls neither the relay nor the workers', async (t) => {
  const prefix = freshPrefix()
  cleanupStream(t, prefix)
  const database = await openTestDatabase(t, 'postgres')
  const env = { NATS_URL, NATS_PREFIX: prefix, MIN_POSITION_WAIT_MS: WAIT_MS }
  const js = await publisher(t)
  const junk = async () => (await js.publish(`${prefix}.junk.Garbage`, 'not json')).seq

  await t.test('while the relay and the workers run', async (t) => {
    const { log, setAside } = capturedLog()
    const ctx = await startTestApp(t, database, env, 'nats', { log })
    const staff = await ctx.user('staff')
    await readable(t, ctx, await ctx.addBook(staff, { title: 'Before the junk' }))
    const before = await rejectedMetric(ctx)
    const seq = await junk()
    await readable(t, ctx, await ctx.addBook(staff, { title: 'After the junk' }))
    t.same(
      ctx.service.bus!.workers.map((w) => w.rejected),
      [1, 1],
      'each worker set it aside',
    )
    t.same(
      setAside()
        .map((r) => [r.projection, r.seq, r.reason])
        .sort(),
      PROJECTIONS.map((p) => [p.name, seq, 'malformed']).sort(),
      'logged once by each worker, with its stream sequence',
    )
    t.same(
      delta(await rejectedMetric(ctx), before),
      Object.fromEntries(PROJECTIONS.map((p) => [`projection="${p.name}",reason="malformed"`, 1])),
      'counted in rental_ledger_projection_rejected_messages_total',
    )
    // The service stops with junk as the stream's last message.
    await junk()
  })

  await t.test('a restart after junk: the relay resumes from its own cursor', async (t) => {
    const ctx = await startTestApp(t, database, env, 'nats')
    const staff = await ctx.user('staff')
    await readable(t, ctx, await ctx.addBook(staff, { title: 'After the restart' }))
  })

  await settledLog(database.db)
  const verified = await verifyProjections(database.db, PROJECTIONS, { lagDeadlineMs: 10_000 })
  t.ok(verified.ok, 'the read models equal a rebuild from the log')
})

natsTest(
  t,
  'a forged message that links to the checkpoint never reaches a read model',
  async (t) => {
    const prefix = freshPrefix()
    cleanupStream(t, prefix)
    const database = await openTestDatabase(t, 'postgres')
    const js = await publisher(t)
    const env = { NATS_URL, NATS_PREFIX: prefix, MIN_POSITION_WAIT_MS: WAIT_MS }
    const ctx = await startTestApp(t, database, env, 'nats')
    const staff = await ctx.user('staff')
    const real = await ctx.addBook(staff, { title: 'Real' })
    await readable(t, ctx, real)

    // Copies of the real BookAdded for books that do not exist, placed right after the checkpoint,
    // the first linked to it and the second to the first, as a relay would send them.
    const log = await settledLog(database.db)
    const added = log.find((e) => e.streamId === `book-${real.id}` && e.type === 'BookAdded')!
    let previous = await readCheckpoint(database.db, PROJECTIONS[0]!.schema)
    const forgers = [
      { name: 'unsigned', sign: undefined },
      { name: 'another deployment', sign: busKey(randomBytes(32)).sign },
    ]
    const forged: string[] = []
    for (const forger of forgers) {
      const bookId = randomUUID()
      forged.push(bookId)
      const position = { ...previous, globalPosition: previous.globalPosition + 1_000_000 }
      const event = {
        ...added,
        position,
        token: encodePosition(position),
        eventId: randomUUID(),
        streamId: `book-${bookId}`,
        data: { ...(added.data as object), bookId, title: `Forged by ${forger.name}` },
      }
      const payload = encodeEvent(event, previous)
      const h = headers()
      if (forger.sign) h.set(SIGNATURE_HEADER, forger.sign(payload))
      await js.publish(`${prefix}.book.BookAdded`, payload, { msgID: event.eventId, headers: h })
      previous = position
    }
    // The next real event goes through behind them.
    await readable(t, ctx, await ctx.addBook(staff, { title: 'Real, later' }))
    for (const [i, bookId] of forged.entries()) {
      const res = await ctx.app.inject({ url: `/api/books/${bookId}` })
      t.equal(
        res.statusCode,
        404,
        `the book forged by ${forgers[i]!.name} is not in the read model`,
      )
    }
    t.same(
      ctx.service.bus!.workers.map((w) => w.rejected),
      [2, 2],
      'both forgeries set aside by each worker',
    )
    const verified = await verifyProjections(database.db, PROJECTIONS, { lagDeadlineMs: 10_000 })
    t.ok(verified.ok, 'the read models equal a rebuild from the log')
  },
)
