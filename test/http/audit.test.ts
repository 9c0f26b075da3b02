import t from 'tap'
import { extendChain } from '../../src/audit/chain-writer.js'
import type { AuditRecord } from '../../src/audit/export.js'
import { forEachApp } from '../helpers/app.js'
import { settledLog } from '../helpers/db.js'

/** The records, without their chain fields (test/integration/audit-chain.test.ts checks those). */
const ndjson = (body: string): Omit<AuditRecord, 'prevHash' | 'hash'>[] =>
  body
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const { prevHash, hash, ...record } = JSON.parse(l)
      if (!/^[0-9a-f]{64}$/.test(prevHash) || !/^[0-9a-f]{64}$/.test(hash)) {
        throw new Error(`a record without its chain fields: ${l}`)
      }
      return record
    })

/** RFC 4180, as a spreadsheet reads it: quoted fields may hold commas, quotes and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') field += text[++i]
      else if (c === '"') quoted = false
      else field += c
    } else if (c === '"') quoted = true
    else if (c === ',') {
      row.push(field)
      field = ''
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field)
      rows.push(row)
      row = []
      field = ''
      i++
    } else field += c
  }
  return rows
}

forEachApp(t, async (t, { app, user, database, service }) => {
  const staff = await user('staff')
  const reader = await user('user')
  const post = async (url: string, who: { authorization: string }, payload?: object) => {
    const res = await app.inject({ method: 'POST', url, headers: who, payload })
    if (res.statusCode >= 300) throw new Error(`POST ${url}: ${res.statusCode} ${res.body}`)
    return res.json()
  }
  const tricky = await post('/api/books', staff.auth, {
    title: 'Quotes, commas',
    author: 'A "careful" author',
    description: 'line one,\r\nline "two"\nline three',
    type: 'novel',
    copies: 2,
  })
  const plain = await post('/api/books', staff.auth, {
    title: 'Plain',
    author: 'B',
    description: 'Plain text',
    type: 'regular',
  })
  const rental = await post('/api/rentals', reader.auth, { bookId: tricky.id })
  await post(`/api/rentals/${rental.id}/return`, reader.auth)
  const last = await post('/api/payments', staff.auth, {
    userId: reader.id,
    amountCents: 450,
    reference: 'till, 1',
  })
  // Both read models at the last write: no projection batch is in flight (an open write
  // transaction holds back what the log reader may return, by design).
  for (const url of ['/api/books', '/api/me/balance']) {
    const res = await app.inject({
      url: `${url}?minPosition=${last.position}`,
      headers: reader.auth,
    })
    if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode}`)
  }

  const logged = await settledLog(database.db)
  await extendChain(database.db)
  const exportAll = async (query = '') => {
    const res = await app.inject({ url: `/api/audit/events?${query}`, headers: staff.auth })
    if (res.statusCode !== 200) throw new Error(`export ?${query}: ${res.statusCode}`)
    return ndjson(res.body)
  }

  await t.test('NDJSON: every committed event, in log order, as records', async (t) => {
    const res = await app.inject({ url: '/api/audit/events', headers: staff.auth })
    t.equal(res.statusCode, 200)
    t.match(res.headers['content-type'], /^application\/x-ndjson/)
    t.ok(res.body.endsWith('\n'), 'every record ends its line')
    const records = ndjson(res.body)
    t.ok(logged.length >= 7, 'users, books, rental, return and payment were logged')
    t.same(
      records,
      logged.map((e) => ({
        position: e.token,
        streamId: e.streamId,
        version: e.streamVersion,
        type: e.type,
        data: e.data,
        metadata: e.metadata,
        recordedAt: e.recordedAt.toISOString(),
      })),
    )
  })

  await t.test('CSV: a header, then the same records, quoted per RFC 4180', async (t) => {
    const res = await app.inject({ url: '/api/audit/events?format=csv', headers: staff.auth })
    t.equal(res.statusCode, 200)
    t.match(res.headers['content-type'], /^text\/csv/)
    t.match(res.headers['content-disposition'], /^attachment; filename=/)
    const [header, ...full] = parseCsv(res.body)
    t.same(header, [
      'position',
      'streamId',
      'version',
      'type',
      'data',
      'metadata',
      'recordedAt',
      'prevHash',
      'hash',
    ])
    const rows = full.map((r) => r.slice(0, 7))
    const records = await exportAll()
    t.same(
      rows,
      records.map((r) => [
        r.position,
        r.streamId,
        String(r.version),
        r.type,
        JSON.stringify(r.data),
        JSON.stringify(r.metadata),
        r.recordedAt,
      ]),
    )
    const added = rows.find((r) => r[3] === 'BookAdded' && r[1] === `book-${tricky.id}`)
    t.match(JSON.parse(added![4]!), { description: 'line one,\r\nline "two"\nline three' })
  })

  await t.test('after=<position> resumes exactly after that record', async (t) => {
    const all = await exportAll()
    for (const k of [0, 3, all.length - 1]) {
      const rest = await exportAll(`after=${all[k]!.position}`)
      t.same([...all.slice(0, k + 1), ...rest], all, `resumed after record ${k}`)
    }
    t.same(await exportAll(`after=${START_TOKEN}`), all, 'after the start is everything')
  })

  await t.test('filters: type, streamId, time range', async (t) => {
    const all = await exportAll()
    const types = await exportAll('type=BookAdded,PaymentRecorded')
    t.same(
      types,
      all.filter((r) => r.type === 'BookAdded' || r.type === 'PaymentRecorded'),
    )
    t.same(types.map((r) => r.type).sort(), ['BookAdded', 'BookAdded', 'PaymentRecorded'])
    const stream = await exportAll(`streamId=book-${plain.id}`)
    t.same(
      stream.map((r) => [r.streamId, r.version]),
      [[`book-${plain.id}`, 1]],
    )
    const times = [...new Set(all.map((r) => r.recordedAt))].sort()
    t.ok(times.length >= 3, 'events were recorded at several times')
    const from = times[1]!
    const to = times[times.length - 1]!
    t.same(
      await exportAll(`from=${from}&to=${to}`),
      all.filter((r) => r.recordedAt >= from && r.recordedAt < to),
      'from is inclusive, to exclusive',
    )
    t.same(await exportAll('type=NoSuchEvent'), [], 'an unknown type matches nothing')
  })

  await t.test('bad filters are a 400 problem before any byte of export', async (t) => {
    for (const query of [
      'after=nonsense',
      'after=ffffffffffffffffffffffffffffffff',
      'from=yesterday',
      'to=2026-13-45T00:00:00Z',
      'format=xml',
      'colour=blue',
    ]) {
      const res = await app.inject({ url: `/api/audit/events?${query}`, headers: staff.auth })
      t.equal(res.statusCode, 400, query)
      t.match(res.headers['content-type'], /^application\/problem\+json/, query)
      t.equal(res.json().code, 'VALIDATION_FAILED', query)
    }
  })

  await t.test('staff only', async (t) => {
    for (const url of ['/api/audit/events', '/api/admin/projections']) {
      t.equal((await app.inject({ url })).statusCode, 401, `${url} anonymous`)
      t.equal((await app.inject({ url, headers: reader.auth })).statusCode, 403, `${url} user`)
    }
  })

  await t.test('projections: checkpoint, lag and status', async (t) => {
    const head = logged[logged.length - 1]!.token
    const res = await app.inject({ url: '/api/admin/projections', headers: staff.auth })
    t.equal(res.statusCode, 200)
    t.same(
      res.json(),
      ['book-availability', 'user-balances'].map((name) => ({
        name,
        position: head,
        lagEvents: 0,
        status: 'up-to-date',
      })),
    )
    // With the workers stopped, new events wait: the lag counts them.
    await service.feeder!.stop()
    await post('/api/books', staff.auth, {
      title: 'Later',
      author: 'C',
      description: 'Plain text',
      type: 'novel',
    })
    await settledLog(database.db) // the xid gate is cluster-wide: wait until the event is readable
    const behind = await app.inject({ url: '/api/admin/projections', headers: staff.auth })
    t.same(
      behind
        .json()
        .map((p: { lagEvents: number; status: string; position: string }) => [
          p.lagEvents,
          p.status,
          p.position,
        ]),
      [
        [1, 'catching-up', head],
        [1, 'catching-up', head],
      ],
    )
  })
})

const START_TOKEN = '0'.repeat(32)
