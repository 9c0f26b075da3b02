// One EventSource per page on /api/live: each read model's progress. A component names the read
// models it shows and is told to re-read when one of them moves (debounced: a burst of commands
// is one re-read).
import { useEffect, useRef } from 'preact/hooks'

type Listener = (projection: string) => void
const listeners = new Set<Listener>()
const seen = new Map<string, string>()
let source: EventSource | undefined

function connect() {
  if (source) return
  source = new EventSource('/api/live')
  source.addEventListener('progress', (e) => {
    const { projection, position } = JSON.parse((e as MessageEvent<string>).data) as {
      projection: string
      position: string
    }
    if (seen.get(projection) === position) return
    const first = !seen.has(projection)
    seen.set(projection, position)
    if (!first) for (const l of listeners) l(projection)
  })
}

export const BOOKS = 'book-availability'
export const BALANCES = 'user-balances'

/** Calls `reload` (at most every 150 ms) when one of `projections` applies more of the log. */
export function useLive(projections: string[], reload: () => void): void {
  const latest = useRef(reload)
  latest.current = reload
  const key = projections.join(',')
  useEffect(() => {
    connect()
    let timer: ReturnType<typeof setTimeout> | undefined
    const names = key.split(',')
    const listener: Listener = (projection) => {
      if (!names.includes(projection) || timer) return
      timer = setTimeout(() => {
        timer = undefined
        latest.current()
      }, 150)
    }
    listeners.add(listener)
    return () => {
      listeners.delete(listener)
      clearTimeout(timer)
    }
  }, [key])
}
