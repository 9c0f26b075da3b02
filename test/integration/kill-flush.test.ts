// A process killed mid-flush (issue 12, §4): every command it answered 2xx is in the log, and none
// of its unanswered commands is half there. A property over kill points: an API process under a
// steady load of rents, returns and payments is killed (SIGKILL) after a random delay, again and
// again; after each kill the log is checked against the answers the clients got.
import fc from 'fast-check'
import { sql } from 'kysely'
import t from 'tap'
import { type Account, apiCluster, call } from '../helpers/api-processes.js'
import { waitFor } from '../helpers/processes.js'

t.setTimeout(600_000)

t.test('killed mid-flush: answered means written, and nothing is half written', async (t) => {
  const cluster = await apiCluster(t, 1, { MAX_OWED_CENTS: '100000000', MAX_OPEN_RENTALS: '100' })
  const db = cluster.database.db
  const staff = await cluster.account('staff')
  const users = await Promise.all(Array.from({ length: 24 }, () => cluster.account()))
  const book = await call(`${cluster.apis[0]!.url}/api/books`, staff, 'POST', {
    title: 'Killed Mid-Flush',
    author: 'Kill Test',
    description: 'A book under test',
    type: 'regular',
    copies: 1000,
  })
  t.equal(book.status, 201)

  const answered = {
    rented: new Set<string>(),
    returned: new Set<string>(),
    paid: new Set<string>(),
  }
  let unanswered = 0
  const statuses: Record<string, number> = {}

  /** One client's loop against `url` until the process stops answering. */
  const client = async (url: string, u: Account, i: number) => {
    const send = async (path: string, body?: unknown, who = u) => {
      try {
        const answer = await call(`${url}${path}`, who, 'POST', body)
        const k = `${answer.status} ${answer.body.code ?? ''}`
        statuses[k] = (statuses[k] ?? 0) + 1
        return answer
      } catch {
        unanswered++
        return undefined
      }
    }
    for (;;) {
      if (i % 4 === 0) {
        const paid = await send('/api/payments', { userId: u.id, amountCents: 100 }, staff)
        if (!paid) return
        if (paid.status === 201) answered.paid.add(paid.body.id as string)
        continue
      }
      const rented = await send('/api/rentals', { bookId: book.body.id })
      if (!rented) return
      if (rented.status !== 201) continue
      answered.rented.add(rented.body.id as string)
      const back = await send(`/api/rentals/${rented.body.id}/return`)
      if (!back) return
      if (back.status === 200) answered.returned.add(back.body.id as string)
    }
  }

  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 500, max: 3000 }), async (killAfterMs) => {
      const api = await cluster.start(1)
      const load = Promise.all(users.map((u, i) => client(api.url, u, i)))
      // The kill point is counted from the process's first answer in this run.
      const before = answered.rented.size + answered.paid.size
      await waitFor('a first answer', () => answered.rented.size + answered.paid.size > before)
      await new Promise((r) => setTimeout(r, killAfterMs))
      await api.child.kill('SIGKILL')
      await load

      const ids = async (type: string, field: string) => {
        const { rows } = await sql<{ id: string }>`
          SELECT data->>${field} AS id FROM events WHERE type = ${type}`.execute(db)
        return new Set(rows.map((r) => r.id))
      }
      const [opened, bookRented, closed, bookReturned, paid] = await Promise.all([
        ids('RentalOpened', 'rentalId'),
        ids('BookRented', 'rentalId'),
        ids('RentalClosed', 'rentalId'),
        ids('BookReturned', 'rentalId'),
        ids('PaymentRecorded', 'paymentId'),
      ])
      const missing = [
        ...[...answered.rented].filter((id) => !opened.has(id) || !bookRented.has(id)),
        ...[...answered.returned].filter((id) => !closed.has(id) || !bookReturned.has(id)),
        ...[...answered.paid].filter((id) => !paid.has(id)),
      ]
      if (missing.length > 0) throw new Error(`answered 2xx but not in the log: ${missing}`)
      const same = (a: Set<string>, b: Set<string>) =>
        a.size === b.size && [...a].every((x) => b.has(x))
      if (!same(opened, bookRented) || !same(closed, bookReturned)) {
        throw new Error('a rental or return is in one of its two streams only')
      }
      const { rows: rentals } = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM rental_streams`.execute(db)
      if (rentals[0]!.n !== opened.size) throw new Error('rental rows and rentals differ')
      const { rows: drift } = await sql<{ stream_id: string }>`
        SELECT s.stream_id FROM streams s
        LEFT JOIN (SELECT stream_id, max(stream_version) AS v FROM events GROUP BY stream_id) e
          USING (stream_id)
        WHERE s.version IS DISTINCT FROM e.v`.execute(db)
      if (drift.length > 0) throw new Error(`stream versions off their events: ${drift}`)
    }),
    { numRuns: Number(process.env.KILL_TEST_RUNS ?? 5) },
  )
  t.comment(JSON.stringify(statuses))
  t.ok(answered.rented.size > 0, `rents were answered (${answered.rented.size})`)
  t.ok(answered.returned.size > 0, `returns were answered (${answered.returned.size})`)
  t.ok(answered.paid.size > 0, `payments were answered (${answered.paid.size})`)
  t.ok(unanswered > 0, `commands were in flight at the kills (${unanswered})`)
})
