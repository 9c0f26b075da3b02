// The NOTIFY that wakes the log's readers is sent after commits, coalesced: a burst of commits
// costs one or two notifications, not one each.
import { sql } from 'kysely'
import t from 'tap'
import { listen } from '../../src/db/listen.js'
import { announceAppends, announced, EVENTS_CHANNEL } from '../../src/eventstore/announce.js'
import { forEachBackend } from '../helpers/db.js'
import { waitFor } from '../helpers/processes.js'

forEachBackend(t, async (t, database) => {
  const heard: string[] = []
  const unlisten = await listen(database, EVENTS_CHANNEL, (payload) => heard.push(payload))
  t.teardown(unlisten)
  /** Notifications heard up to a marker sent now: all those committed before it. */
  const upToMarker = async (marker: string) => {
    await sql`SELECT pg_notify(${EVENTS_CHANNEL}, ${marker})`.execute(database.db)
    await waitFor(`the marker ${marker}`, () => heard.includes(marker), 10_000)
    const got = heard.splice(0, heard.indexOf(marker) + 1)
    return got.filter((p) => p === '').length
  }
  await upToMarker('start')

  await announceAppends(database.db)
  t.equal(await upToMarker('one'), 1, 'one announcement, one NOTIFY')

  await Promise.all(Array.from({ length: 50 }, () => announceAppends(database.db)))
  const burst = await upToMarker('burst')
  t.ok(burst >= 1 && burst <= 2, `50 announcements at once: ${burst} NOTIFY (1 or 2)`)

  // A command-line process waits for the one in flight before it closes the database.
  void announceAppends(database.db)
  await announced(database.db)
  t.equal(await upToMarker('closing'), 1, 'announced() waits for the NOTIFY in flight')
  await announced(database.db) // none in flight: settles at once
})
