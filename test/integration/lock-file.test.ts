import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { openPglite } from '../../src/db/database.js'
import { acquireDirLock, DirLockedError } from '../../src/db/lock-file.js'

t.test('the embedded store belongs to one process at a time', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rl-lock-'))
  const first = await openPglite(dir)
  t.teardown(() => first.close())
  await t.rejects(openPglite(dir), DirLockedError, 'a second open in this process is refused')
  // (Reopening in the same process is not tested: a second PGlite instance on one directory in
  // one process keeps the process from exiting, which no command does.)
})

t.test('a lock held by another live process refuses; a stale one is taken over', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rl-lock-'))
  writeFileSync(join(dir, 'rental-ledger.lock'), String(process.ppid))
  t.throws(() => acquireDirLock(dir), DirLockedError)
  t.throws(() => acquireDirLock(dir), /in use by process \d+/, 'and says which process')
  writeFileSync(join(dir, 'rental-ledger.lock'), '999999999')
  const lock = acquireDirLock(dir)
  t.pass('a lock of a process that is gone is taken over')
  lock.release()
})
