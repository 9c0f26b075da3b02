// The catalogue's back office: find, add (with a cover), and each book's editor (./staff-book.tsx).
import { useRef, useState } from 'preact/hooks'
import { api, problemText } from '../api'
import { BOOKS, useLive } from '../live'
import { ErrorText, Field, More, Page, Submit, useAction, usePaged } from '../ui'
import { BookCard } from './catalogue'
import { BookEditor, BookFields, blank, CoverInput, putCover } from './staff-book'

function AddBook(props: { onAdded: () => void }) {
  const [draft, setDraft] = useState(blank)
  const [done, setDone] = useState<string>()
  const cover = useRef<HTMLInputElement>(null)
  const action = useAction()
  const submit = async (e: Event) => {
    e.preventDefault()
    setDone(undefined)
    const { isbn, coverUrl, ...fields } = draft
    const body = {
      ...fields,
      ...(isbn.trim() && { isbn: isbn.trim() }),
      ...(coverUrl.trim() && { coverUrl: coverUrl.trim() }),
    }
    let bookId: string | undefined
    const ok = await action.run(async () => {
      const r = await api.POST('/api/books', { body })
      bookId = r.data?.id
      return r
    })
    if (!ok || !bookId) return
    const file = cover.current?.files?.[0]
    if (file) {
      const { error } = await putCover(bookId, file)
      if (error) action.setError(`Added “${draft.title}”, but not its cover: ${problemText(error)}`)
      else setDone(`Added “${draft.title}” with its cover.`)
    } else setDone(`Added “${draft.title}”.`)
    setDraft(blank)
    if (cover.current) cover.current.value = ''
    props.onAdded()
  }
  return (
    <form class="stack panel" onSubmit={submit} aria-label="Add a book">
      <h2>Add a book</h2>
      <BookFields draft={draft} onChange={setDraft} />
      <CoverInput input={cover} />
      <Submit label="Add the book" action={action} done={done} />
    </form>
  )
}

export function StaffBooks() {
  const [q, setQ] = useState('')
  const list = usePaged(
    (cursor, limit) =>
      api.GET('/api/books', { params: { query: { q: q || undefined, cursor, limit } } }),
    [q],
  )
  useLive([BOOKS], list.reload)
  return (
    <Page title="Catalogue (staff)">
      <AddBook onAdded={list.reload} />
      <form aria-label="Find books" onSubmit={(e) => e.preventDefault()}>
        <Field label="Find a book">
          <input type="search" value={q} onInput={(e) => setQ(e.currentTarget.value)} />
        </Field>
      </form>
      <ErrorText text={list.error} />
      {!list.loading && list.items.length === 0 && <p>No book matches.</p>}
      <ul class="cards" aria-label="Books">
        {list.items.map((b) => (
          <BookCard key={b.id} book={b} below={<BookEditor book={b} onChanged={list.reload} />} />
        ))}
      </ul>
      <More list={list} what="books" />
    </Page>
  )
}
