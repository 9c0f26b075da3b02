// A closed rental's charge is the one recorded in its RentalClosed event: a replay of the log
// gives it back exactly, whatever the pricing code says today (API.md, Pricing).
import { randomUUID } from 'node:crypto'
import t from 'tap'
import { PROJECTIONS } from '../../projections/index.js'
import { appendFor } from '../../src/commands/streams.js'
import { type AccountState, evolveAccount } from '../../src/domain/account.js'
import type { AccountEvent } from '../../src/domain/events.js'
import { accountStreamId } from '../../src/domain/events.js'
import { priceCents } from '../../src/domain/pricing.js'
import { appendToStreams } from '../../src/eventstore/append.js'
import { encodePosition } from '../../src/eventstore/position.js'
import { loadStream } from '../../src/eventstore/streams.js'
import { replayProjection } from '../../src/projector/replay.js'
import { verifyProjections } from '../../src/projector/verify.js'
import { DAY, forEachApp } from '../helpers/app.js'

forEachApp(t, async (t, { app, user, database, clock, addBook }) => {
  const staff = await user('staff')
  const alice = await user('user')
  const book = await addBook(staff, { title: 'Recorded', type: 'regular' })
  // Two days of a v3 regular book, closed by an earlier version of the service that charged
  // 400 for it. Today's table says 200: a replay must keep the 400 the log holds.
  const recorded = 400
  t.not(priceCents('v3', 'regular', 2), recorded, 'the recorded charge is not today’s price')
  const rentalId = randomUUID()
  const rentedAt = clock.read().toISOString()
  const returnedAt = new Date(clock.now.getTime() + 2 * DAY).toISOString()
  const events: AccountEvent[] = [
    {
      type: 'RentalOpened',
      data: {
        rentalId,
        userId: alice.id,
        bookId: book.id,
        bookType: 'regular',
        plan: 'v3',
        rentedAt,
      },
    },
    {
      type: 'RentalClosed',
      data: {
        rentalId,
        userId: alice.id,
        bookId: book.id,
        rentedAt,
        returnedAt,
        days: 2,
        chargeCents: recorded,
      },
    },
  ]
  const db = database.db
  const streamId = accountStreamId(alice.id)
  const snapshot = await loadStream<AccountState>(db, streamId)
  const account = { streamId, version: snapshot.version, state: snapshot.state }
  const appended = await appendToStreams(db, [
    appendFor(account, events, evolveAccount, { actor: 'test' }),
  ])
  clock.advance(3 * DAY)
  const position = encodePosition(appended.position)
  const read = async () => ({
    rental: (
      await app.inject({
        url: `/api/rentals/${rentalId}?minPosition=${position}`,
        headers: alice.auth,
      })
    ).json(),
    balance: (
      await app.inject({ url: `/api/me/balance?minPosition=${position}`, headers: alice.auth })
    ).json(),
  })
  const before = await read()
  t.match(before.rental, { id: rentalId, returnedAt, chargeCents: recorded })
  t.match(before.balance, { chargedCents: recorded, balanceCents: recorded })
  for (const p of PROJECTIONS) await replayProjection(db, p)
  t.same(await read(), before, 'after a replay of every read model: the recorded charge')
  t.equal((await verifyProjections(db, PROJECTIONS)).ok, true, 'verify agrees')
})
