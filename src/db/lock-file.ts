// An exclusive lock on a directory for the life of this process: a file holding our pid, created
// with O_EXCL. A lock left by a process that no longer runs is taken over.
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs'
import { join } from 'node:path'

export interface DirLock {
  release(): void
}

export class DirLockedError extends Error {
  override name = 'DirLockedError'
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

export function acquireDirLock(dir: string): DirLock {
  const path = join(dir, 'rental-ledger.lock')
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx')
      writeSync(fd, String(process.pid))
      closeSync(fd)
      let held = true
      const release = () => {
        if (!held) return
        held = false
        try {
          unlinkSync(path)
        } catch {}
        process.off('exit', release)
      }
      process.on('exit', release)
      return { release }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      const pid = Number.parseInt(readFileSync(path, 'utf8'), 10)
      if (Number.isInteger(pid) && pid !== process.pid && alive(pid)) {
        throw new DirLockedError(
          `the embedded database in ${dir} is in use by process ${pid}; stop it, or set DATABASE_URL`,
        )
      }
      if (pid === process.pid) {
        throw new DirLockedError(`the embedded database in ${dir} is already open in this process`)
      }
      unlinkSync(path) // stale: its process is gone
    }
  }
  throw new DirLockedError(`could not lock ${dir}`)
}
