// Choosing one user or one book by searching for it (the desk, the rentals and payments filters),
// and users named by their username where the page has seen it.
import { useEffect, useRef, useState } from 'preact/hooks'
import { api, type Book, problemText, type UserRow } from '../api'
import { Link } from '../router'
import { ErrorText, Field } from '../ui'

/** Usernames of the users listed so far (users carry no name on rentals and payments). */
export const usernames = new Map<string, string>()
export const remember = (users: readonly UserRow[]) => {
  for (const u of users) usernames.set(u.id, u.username)
}

/** A user as a link to their desk page: their username once seen, else their id. */
export function UserLink(props: { id: string }) {
  return <Link href={`/admin/users/${props.id}`}>{usernames.get(props.id) ?? props.id}</Link>
}

type Found<T> = { data?: { items: T[] }; error?: unknown }

interface PickerProps<T> {
  /** what is chosen, in words: "customer", "book" */
  what: string
  search: (q: string) => Promise<Found<T>>
  describe: (item: T) => string
  chosen: T | undefined
  onChoose: (item: T | undefined) => void
}

/** A search box and its first matches as buttons; once one is chosen, it and a way to change it. */
function Picker<T extends { id: string }>(props: PickerProps<T>) {
  const { what, chosen } = props
  const [q, setQ] = useState('')
  const [matches, setMatches] = useState<T[]>([])
  /** the search the matches answer (none is said only once the search has answered) */
  const [answered, setAnswered] = useState('')
  const [error, setError] = useState<string>()
  const search = useRef(props.search)
  search.current = props.search
  // Choosing (or un-choosing) removes the button pressed: focus goes to what took its place.
  const input = useRef<HTMLInputElement>(null)
  const change = useRef<HTMLButtonElement>(null)
  const first = useRef(true)
  useEffect(() => {
    if (first.current) {
      first.current = false
      return
    }
    ;(chosen ? change : input).current?.focus()
  }, [chosen])
  useEffect(() => {
    if (!q.trim()) return setMatches([])
    let live = true
    void search.current(q.trim()).then(({ data, error }) => {
      if (!live) return
      setError(data ? undefined : problemText(error))
      setMatches(data?.items ?? [])
      setAnswered(q.trim())
    })
    return () => {
      live = false
    }
  }, [q])

  if (chosen) {
    return (
      <p class="chosen">
        <span>
          {what[0]!.toUpperCase() + what.slice(1)}: <strong>{props.describe(chosen)}</strong>
        </span>{' '}
        <button ref={change} type="button" class="link" onClick={() => props.onChoose(undefined)}>
          Change the {what}
        </button>
      </p>
    )
  }
  return (
    <div class="picker">
      <Field label={`Find a ${what}`}>
        <input
          ref={input}
          type="search"
          value={q}
          onInput={(e) => setQ(e.currentTarget.value)}
          // Enter in the search box chooses nothing and submits no surrounding form.
          onKeyDown={(e) => e.key === 'Enter' && e.preventDefault()}
        />
      </Field>
      <ErrorText text={error} />
      {q.trim() && answered === q.trim() && matches.length === 0 && !error && (
        <p>No {what} matches.</p>
      )}
      {matches.length > 0 && (
        <ul class="choices" aria-label={`Matching ${what}s`}>
          {matches.map((m) => (
            <li key={m.id}>
              <button
                type="button"
                class="secondary"
                onClick={() => {
                  setQ('')
                  props.onChoose(m)
                }}
              >
                {props.describe(m)}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  )
}

const MATCHES = 8

export function UserPicker(props: {
  chosen: UserRow | undefined
  onChoose: (u: UserRow | undefined) => void
}) {
  return (
    <Picker
      what="customer"
      search={async (q) => {
        const found = await api.GET('/api/users', { params: { query: { q, limit: MATCHES } } })
        if (found.data) remember(found.data.items)
        return found
      }}
      describe={(u) => (u.name ? `${u.username} (${u.name})` : u.username)}
      {...props}
    />
  )
}

export function BookPicker(props: {
  chosen: Book | undefined
  onChoose: (b: Book | undefined) => void
  onlyAvailable?: boolean
}) {
  const { onlyAvailable, ...rest } = props
  return (
    <Picker
      what="book"
      search={(q) =>
        api.GET('/api/books', {
          params: { query: { q, limit: MATCHES, available: onlyAvailable || undefined } },
        })
      }
      describe={(b) => `${b.title} by ${b.author} (${b.available} of ${b.copies} available)`}
      {...rest}
    />
  )
}
