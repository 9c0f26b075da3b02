// Pieces every page uses: labelled fields, refusals in words, cursor-paged lists, book titles.
import type { ComponentChildren } from 'preact'
import { useCallback, useEffect, useRef, useState } from 'preact/hooks'
import { api, type Book, problemText } from './api'

export function Field(props: { label: string; children: ComponentChildren; hint?: string }) {
  return (
    // biome-ignore lint/a11y/noLabelWithoutControl: the control is among the children
    <label class="field">
      <span>{props.label}</span>
      {props.children}
      {props.hint && <small>{props.hint}</small>}
    </label>
  )
}

/** A refusal or failure, announced to screen readers, next to what caused it. */
export function ErrorText(props: { text: string | undefined }) {
  return props.text ? (
    <p class="error" role="alert">
      {props.text}
    </p>
  ) : null
}

export function Notice(props: { text: string | undefined }) {
  return props.text ? (
    <p class="notice" role="status">
      {props.text}
    </p>
  ) : null
}

/** A form's submit button, and beside it the API's refusal in words or what was done. */
export function Submit(props: {
  label: string
  action: { busy: boolean; error: string | undefined }
  done?: string | undefined
}) {
  return (
    <>
      <button type="submit" disabled={props.action.busy}>
        {props.label}
      </button>
      <ErrorText text={props.action.error} />
      <Notice text={props.done} />
    </>
  )
}

export function Page(props: { title: string; children: ComponentChildren }) {
  const heading = useRef<HTMLHeadingElement>(null)
  useEffect(() => {
    document.title = `${props.title} · Rent Books`
    heading.current?.focus()
  }, [props.title])
  return (
    <section>
      <h1 ref={heading} tabIndex={-1}>
        {props.title}
      </h1>
      {props.children}
    </section>
  )
}

type PageResult<T> = { data?: { items: T[]; nextCursor: string | null }; error?: unknown }

/**
 * A list read page by page with the API's cursors. `reload` (for live updates) reads again as
 * many items as are shown, from the start.
 */
export function usePaged<T>(
  fetchPage: (cursor: string | undefined, limit: number) => Promise<PageResult<T>>,
  deps: unknown[],
  pageSize = 20,
) {
  const [items, setItems] = useState<T[]>([])
  const [next, setNext] = useState<string | null>(null)
  const [error, setError] = useState<string>()
  const [loading, setLoading] = useState(true)
  const shown = useRef(pageSize)
  const generation = useRef(0)

  const load = useCallback(async (cursor: string | undefined, limit: number, append: boolean) => {
    const mine = ++generation.current
    setLoading(true)
    const { data, error } = await fetchPage(cursor, Math.min(limit, 100))
    if (mine !== generation.current) return
    setLoading(false)
    if (error || !data) return setError(problemText(error))
    setError(undefined)
    setItems((old) => {
      const all = append ? [...old, ...data.items] : data.items
      shown.current = Math.max(pageSize, all.length)
      return all
    })
    setNext(data.nextCursor)
  }, deps)

  useEffect(() => {
    shown.current = pageSize
    void load(undefined, pageSize, false)
  }, [load, pageSize])

  return {
    items,
    error,
    loading,
    hasMore: next !== null,
    more: () => next && load(next, pageSize, true),
    reload: () => load(undefined, shown.current, false),
  }
}

export function More(props: { list: { hasMore: boolean; more: () => unknown }; what: string }) {
  return props.list.hasMore ? (
    <button type="button" class="secondary" onClick={() => props.list.more()}>
      Show more {props.what}
    </button>
  ) : null
}

const bookCache = new Map<string, Promise<Book | undefined>>()

/** Books by id (for rentals, which name only the book's id), each read once per page load. */
export function useBooks(ids: string[]): Map<string, Book> {
  const [books, setBooks] = useState(new Map<string, Book>())
  const key = [...new Set(ids)].sort().join(',')
  useEffect(() => {
    let live = true
    const wanted = key ? key.split(',') : []
    void Promise.all(
      wanted.map((id) => {
        let p = bookCache.get(id)
        if (!p) {
          p = api.GET('/api/books/{id}', { params: { path: { id } } }).then((r) => r.data)
          bookCache.set(id, p)
        }
        return p.then((b) => [id, b] as const)
      }),
    ).then((pairs) => {
      if (!live) return
      const map = new Map<string, Book>()
      for (const [id, b] of pairs) if (b) map.set(id, b)
      setBooks(map)
    })
    return () => {
      live = false
    }
  }, [key])
  return books
}

/** Runs an action, keeping its refusal (in words) and whether it is running. */
export function useAction() {
  const [error, setError] = useState<string>()
  const [busy, setBusy] = useState(false)
  const run = async (action: () => Promise<{ error?: unknown }>): Promise<boolean> => {
    setBusy(true)
    setError(undefined)
    try {
      const { error } = await action()
      if (error !== undefined) setError(problemText(error))
      return error === undefined
    } catch {
      setError('The service could not be reached; try again.')
      return false
    } finally {
      setBusy(false)
    }
  }
  return { error, busy, run, setError }
}
