// The catalogue's back office: add, edit, copies, cover upload, retire.
import { useState } from 'preact/hooks'
import { api, type Book } from '../api'
import { BOOKS, useLive } from '../live'
import { ErrorText, Field, More, Notice, Page, useAction, usePaged } from '../ui'
import { BookCard, TYPES } from './catalogue'

type BookType = (typeof TYPES)[number]
interface Draft {
  title: string
  author: string
  description: string
  type: BookType
  copies: number
}
const blank: Draft = { title: '', author: '', description: '', type: 'regular', copies: 1 }
const draftOf = (b: Book): Draft => ({
  title: b.title,
  author: b.author,
  description: b.description,
  type: b.type,
  copies: b.copies,
})

function BookFields(props: { draft: Draft; onChange: (d: Draft) => void }) {
  const { draft, onChange } = props
  const set =
    (k: keyof Draft) =>
    (e: { currentTarget: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement }) =>
      onChange({
        ...draft,
        [k]: k === 'copies' ? Number(e.currentTarget.value) : e.currentTarget.value,
      })
  return (
    <>
      <Field label="Title">
        <input value={draft.title} onInput={set('title')} required />
      </Field>
      <Field label="Author">
        <input value={draft.author} onInput={set('author')} required />
      </Field>
      <Field label="Description">
        <textarea value={draft.description} onInput={set('description')} required />
      </Field>
      <Field label="Type">
        <select value={draft.type} onChange={set('type')}>
          {TYPES.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
      </Field>
      <Field label="Copies">
        <input type="number" min={1} value={draft.copies} onInput={set('copies')} required />
      </Field>
    </>
  )
}

function AddBook(props: { onAdded: () => void }) {
  const [draft, setDraft] = useState(blank)
  const [done, setDone] = useState<string>()
  const action = useAction()
  const submit = async (e: Event) => {
    e.preventDefault()
    setDone(undefined)
    const ok = await action.run(async () => {
      const { title, author, description, type, copies } = draft
      const r = await api.POST('/api/books', { body: { title, author, description, type, copies } })
      return r
    })
    if (ok) {
      setDone(`Added “${draft.title}”.`)
      setDraft(blank)
      props.onAdded()
    }
  }
  return (
    <form class="stack panel" onSubmit={submit} aria-label="Add a book">
      <h2>Add a book</h2>
      <BookFields draft={draft} onChange={setDraft} />
      <button type="submit" disabled={action.busy}>
        Add the book
      </button>
      <ErrorText text={action.error} />
      <Notice text={done} />
    </form>
  )
}

function EditBook(props: { book: Book; onSaved: () => void }) {
  const { book } = props
  const [draft, setDraft] = useState(draftOf(book))
  const [done, setDone] = useState<string>()
  const action = useAction()
  const save = async (e: Event) => {
    e.preventDefault()
    setDone(undefined)
    const ok = await action.run(async () => {
      const { title, author, description, type, copies } = draft
      const r = await api.PATCH('/api/books/{id}', {
        params: { path: { id: book.id } },
        body: { title, author, description, type, copies },
      })
      return r
    })
    if (ok) {
      setDone('Saved.')
      props.onSaved()
    }
  }
  return (
    <details>
      <summary>Edit “{book.title}”</summary>
      <form class="stack" onSubmit={save} aria-label={`Edit ${book.title}`}>
        <BookFields draft={draft} onChange={setDraft} />
        <button type="submit" disabled={action.busy}>
          Save
        </button>
        <ErrorText text={action.error} />
        <Notice text={done} />
      </form>
    </details>
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
      <ul class="cards" aria-label="Books">
        {list.items.map((b) => (
          <BookCard key={b.id} book={b}>
            <EditBook key={`${b.id}:${b.copies}:${b.title}`} book={b} onSaved={list.reload} />
          </BookCard>
        ))}
      </ul>
      <More list={list} what="books" />
    </Page>
  )
}
