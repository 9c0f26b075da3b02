// The anonymous read cache on its own: what drops an entry (the read model's position, its age,
// a failure), with a counting read in place of the database.
import type { Kysely } from 'kysely'
import t from 'tap'
import type { ReadDef } from '../../../src/db/reads.js'
import type { DB } from '../../../src/db/tables.js'
import type { Position } from '../../../src/eventstore/position.js'
import { ReadCache } from '../../../src/http/read-cache.js'

const db = {} as Kysely<DB>
const def: ReadDef<{ n: number }, { n: number }> = { key: 'test', build: () => undefined as never }

function setup() {
  let position: Position = { transactionId: 1n, globalPosition: 1 }
  let now = 0
  let reads = 0
  let fail = false
  const cache = new ReadCache(
    { position: () => position },
    async (_db, _def, values) => {
      reads++
      if (fail) throw new Error('down')
      return [{ ...(values as object), read: reads }] as never[]
    },
    () => now,
  )
  return {
    read: (n: number) => cache.rows('model')(db, def, { n }),
    reads: () => reads,
    move: () => {
      position = { transactionId: position.transactionId + 1n, globalPosition: 2 }
    },
    wait: (ms: number) => {
      now += ms
    },
    failing: (f: boolean) => {
      fail = f
    },
  }
}

t.test('one read per statement and values while the position stays', async (t) => {
  const c = setup()
  await Promise.all([c.read(1), c.read(1), c.read(1)])
  t.equal(c.reads(), 1, 'concurrent readers share one read')
  await c.read(2)
  t.equal(c.reads(), 2, 'other values read again')
  c.move()
  t.same(await c.read(1), [{ n: 1, read: 3 }], 'a new position reads again')
})

t.test('an entry expires, whatever the position', async (t) => {
  const c = setup()
  await c.read(1)
  c.wait(999)
  await c.read(1)
  t.equal(c.reads(), 1, 'young: kept')
  c.wait(1)
  await c.read(1)
  t.equal(c.reads(), 2, 'a second old: read again')
})

t.test('a failed read is not kept', async (t) => {
  const c = setup()
  c.failing(true)
  await t.rejects(c.read(1), /down/)
  c.failing(false)
  t.same(await c.read(1), [{ n: 1, read: 2 }], 'the next reader reads again')
})
