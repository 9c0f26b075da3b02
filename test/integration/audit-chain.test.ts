// The audit chain end to end, on both backends: written concurrently, chained, exported (whole, in
// three resumed parts, CSV), verified offline; tampering in the file or in the database is found.
import { generateKeyPairSync, randomUUID } from 'node:crypto'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import t from 'tap'
import { extendChain } from '../../src/audit/chain-writer.js'
import { type ExportFormat, exportStream, parseExportInput } from '../../src/audit/export.js'
import { loadSigningKey } from '../../src/audit/signing.js'
import { verifyChain } from '../../src/audit/verify-chain.js'
import { verifyExport } from '../../src/audit/verify-export.js'
import type { Database } from '../../src/db/database.js'
import { appendToStreams } from '../../src/eventstore/append.js'
import { forEachBackend, settledLog } from '../helpers/db.js'

const pkcs8 = () =>
  generateKeyPairSync('ed25519')
    .privateKey.export({ format: 'der', type: 'pkcs8' })
    .toString('base64')
const key = loadSigningKey(pkcs8())!
const otherKey = loadSigningKey(pkcs8())!

async function exportTo(database: Database, file: string, format: ExportFormat, after?: string) {
  let text = ''
  const query = parseExportInput({ after })
  for await (const c of exportStream(database, { ...query, format, head: { key } })) text += c
  writeFileSync(file, text)
  return text
}

forEachBackend(t, async (t, database) => {
  const db = database.db
  const dir = mkdtempSync(join(tmpdir(), 'rl-audit-'))
  // Concurrent appends to many streams, as under W3: commits interleave in the log.
  await Promise.all(
    Array.from({ length: 30 }, (_, i) =>
      appendToStreams(db, [
        {
          streamId: `account-${i}`,
          expectedVersion: 0,
          state: {},
          events: [1, 2].map((k) => ({
            eventId: randomUUID(),
            type: 'PaymentRecorded',
            data: { amountCents: 100 * i + k, note: `ünï "${i}", ${k}` },
            metadata: { actor: `u${i}` },
          })),
        },
      ]),
    ),
  )
  const log = await settledLog(db)
  await extendChain(db)
  t.equal(log.length, 60)

  const whole = join(dir, 'whole.ndjson')
  const lines = (await exportTo(database, whole, 'ndjson')).trimEnd().split('\n')
  t.equal(lines.length, 61, 'sixty records and a head')
  t.match(await verifyExport([whole], key.publicKeyObject), { ok: true, records: 60 })
  t.match(await verifyExport([whole], otherKey.publicKeyObject), {
    ok: false,
    problem: `${whole}:61: the head is not signed by the given public key`,
  })

  await t.test('three resumed parts verify as one chain', async (t) => {
    const parts = [join(dir, 'p1'), join(dir, 'p2'), join(dir, 'p3')]
    const cut = [undefined, log[19]!.token, log[44]!.token]
    // The first two were interrupted (after 20 and 25 records), each resumed with --after.
    const keep = [20, 25, undefined]
    for (const [i, p] of parts.entries()) {
      const text = await exportTo(database, p, 'ndjson', cut[i])
      const cutAt = keep[i]
      if (cutAt) writeFileSync(p, `${text.split('\n').slice(0, cutAt).join('\n')}\n`)
    }
    t.match(await verifyExport(parts, key.publicKeyObject), { ok: true, records: 60 })
    t.match(await verifyExport([parts[0]!, parts[2]!], key.publicKeyObject), { ok: false })
  })

  await t.test('CSV verifies too', async (t) => {
    const csv = join(dir, 'whole.csv')
    await exportTo(database, csv, 'csv')
    t.match(await verifyExport([csv], key.publicKeyObject), { ok: true, records: 60 })
  })

  await t.test('a dropped, swapped, edited or inserted line is named', async (t) => {
    const tamper = async (name: string, edit: (l: string[]) => string[], line: number) => {
      const file = join(dir, `${name}.ndjson`)
      writeFileSync(file, `${edit([...lines]).join('\n')}\n`)
      const v = await verifyExport([file], key.publicKeyObject)
      t.equal(v.ok, false, name)
      t.match(v.problem, new RegExp(`^${file}:${line}: `), `${name}: line ${line}`)
    }
    await tamper('drop', (l) => [...l.slice(0, 9), ...l.slice(10)], 10)
    await tamper('swap', (l) => [...l.slice(0, 9), l[10]!, l[9]!, ...l.slice(11)], 10)
    await tamper(
      'edit',
      (l) => l.map((x, i) => (i === 20 ? x.replace(/"amountCents":\d+/, '"amountCents":1') : x)),
      21,
    )
    await tamper('insert', (l) => [...l.slice(0, 30), l[5]!, ...l.slice(30)], 31)
    await tamper('drop-last', (l) => [...l.slice(0, 59), l[60]!], 60)
  })

  await t.test('a number beyond double range is chained as the export writes it', async (t) => {
    // Not from the API (its schemas refuse it), but jsonb holds it: JavaScript parses 1e400 to
    // Infinity, which JCS has no form for; the export writes it as JSON does, null.
    await sql`INSERT INTO events (event_id, stream_id, stream_version, type, data)
              VALUES (${randomUUID()}, 'huge-1', 1, 'Huge', '{"n": 1e400, "m": [-1e400, 2]}')`.execute(
      db,
    )
    await settledLog(db)
    await extendChain(db)
    const file = join(dir, 'huge.ndjson')
    const text = await exportTo(database, file, 'ndjson')
    t.match(text, '"data":{"m":[null,2],"n":null}', 'the export writes null')
    t.match(await verifyExport([file], key.publicKeyObject), { ok: true, records: 61 })
    t.match(await verifyChain(db, key), { ok: true, chained: 61, unchained: 0 })
  })

  await t.test('an event edited in the database: verify names its position', async (t) => {
    t.match(await verifyChain(db, key), { ok: true, chained: 61, unchained: 0 })
    const victim = log[33]!
    await sql`ALTER TABLE events DISABLE TRIGGER events_no_update_delete`.execute(db)
    await sql`UPDATE events SET data = '{"amountCents": 1}' WHERE event_id = ${victim.eventId}`.execute(
      db,
    )
    await sql`ALTER TABLE events ENABLE TRIGGER events_no_update_delete`.execute(db)
    const v = await verifyChain(db, key)
    t.equal(v.ok, false)
    t.equal(v.divergence?.position, victim.token)
    t.match(readFileSync(whole, 'utf8'), victim.token)
  })
})
