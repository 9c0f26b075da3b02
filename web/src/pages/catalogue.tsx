import type { ComponentChildren } from 'preact'
// The catalogue (the old `/home`): covers, search, type filter, live availability, Rent.
import { useState } from 'preact/hooks'
import { api, type Book, currentSession, sessionKnown } from '../api'
import { BOOKS, useLive } from '../live'
import { Link } from '../router'
import { ErrorText, Field, More, Notice, Page, useAction, usePaged } from '../ui'

export const TYPES = ['regular', 'fiction', 'novel'] as const
type BookType = (typeof TYPES)[number]

export const TypeOptions = () =>
  TYPES.map((t) => (
    <option key={t} value={t}>
      {t}
    </option>
  ))

/** A cover, or the title in its place when there is none or it fails to load. */
export function Cover(props: { book: Book }) {
  const [failed, setFailed] = useState(false)
  const { coverUrl, title } = props.book
  if (!coverUrl || failed) {
    return (
      <div class="cover placeholder" aria-hidden="true">
        {title}
      </div>
    )
  }
  return <img class="cover" src={coverUrl} alt="" loading="lazy" onError={() => setFailed(true)} />
}

/** A book's card: cover, title, byline, availability, then what the page adds (and below all). */
export function BookCard(props: {
  book: Book
  children?: ComponentChildren
  below?: ComponentChildren
}) {
  const { book } = props
  return (
    <li class="card">
      {/* A new cover gets a new image element, and another chance to load. */}
      <Cover key={book.coverUrl} book={book} />
      <div>
        <h2>{book.title}</h2>
        <p class="byline">
          {book.author} · {book.type}
        </p>
        <p class="availability">
          {book.available > 0 ? `${book.available} of ${book.copies} available` : 'Not available'}
        </p>
        {props.children}
      </div>
      {props.below && <div class="below">{props.below}</div>}
    </li>
  )
}

function CatalogueCard(props: { book: Book }) {
  const { book } = props
  const action = useAction()
  const [done, setDone] = useState<string>()
  const rent = async () => {
    setDone(undefined)
    const ok = await action.run(() => api.POST('/api/rentals', { body: { bookId: book.id } }))
    if (ok) setDone(`You rented “${book.title}”. It is in your rentals.`)
  }
  return (
    <BookCard book={book}>
      <p>{book.description}</p>
      {!sessionKnown() ? null : currentSession() ? (
        <button
          type="button"
          onClick={rent}
          disabled={action.busy}
          aria-label={`Rent ${book.title}`}
        >
          Rent
        </button>
      ) : (
        <Link href="/user/login">Sign in to rent</Link>
      )}
      <ErrorText text={action.error} />
      <Notice text={done} />
    </BookCard>
  )
}

export function Catalogue() {
  const [q, setQ] = useState('')
  const [type, setType] = useState<BookType | ''>('')
  const [onlyAvailable, setOnlyAvailable] = useState(false)
  const list = usePaged(
    (cursor, limit) =>
      api.GET('/api/books', {
        params: {
          query: {
            q: q || undefined,
            type: type || undefined,
            available: onlyAvailable || undefined,
            cursor,
            limit,
          },
        },
      }),
    [q, type, onlyAvailable],
  )
  useLive([BOOKS], list.reload)
  return (
    <Page title="Catalogue">
      <form class="filters" aria-label="Find books" onSubmit={(e) => e.preventDefault()}>
        <Field label="Search title or author">
          <input type="search" value={q} onInput={(e) => setQ(e.currentTarget.value)} />
        </Field>
        <Field label="Type">
          <select value={type} onChange={(e) => setType(e.currentTarget.value as BookType | '')}>
            <option value="">All types</option>
            <TypeOptions />
          </select>
        </Field>
        <label class="check">
          <input
            type="checkbox"
            checked={onlyAvailable}
            onChange={(e) => setOnlyAvailable(e.currentTarget.checked)}
          />
          Only available
        </label>
      </form>
      <ErrorText text={list.error} />
      {!list.loading && list.items.length === 0 && <p>No book matches.</p>}
      <ul class="cards" aria-label="Books">
        {list.items.map((b) => (
          <CatalogueCard key={b.id} book={b} />
        ))}
      </ul>
      <More list={list} what="books" />
    </Page>
  )
}
