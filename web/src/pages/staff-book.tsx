// One book in the back office: edit its fields and copies, upload its cover, retire it. Each
// action shows the API's refusal (a copy count below those rented out, an image that is not one,
// copies still out) in words beside it.
import type { RefObject } from 'preact'
import { useEffect, useRef, useState } from 'preact/hooks'
import { api, type Book } from '../api'
import { ErrorText, Field, Submit, useAction } from '../ui'
import { type TYPES, TypeOptions } from './catalogue'

type BookType = (typeof TYPES)[number]
export interface Draft {
  title: string
  author: string
  description: string
  type: BookType
  copies: number
  isbn: string
  coverUrl: string
}
export const blank: Draft = {
  title: '',
  author: '',
  description: '',
  type: 'regular',
  copies: 1,
  isbn: '',
  coverUrl: '',
}
const draftOf = (b: Book): Draft => ({
  title: b.title,
  author: b.author,
  description: b.description,
  type: b.type,
  copies: b.copies,
  isbn: b.isbn ?? '',
  coverUrl: b.coverUrl ?? '',
})

export function BookFields(props: { draft: Draft; onChange: (d: Draft) => void }) {
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
          <TypeOptions />
        </select>
      </Field>
      <Field label="Copies">
        <input type="number" min={1} value={draft.copies} onInput={set('copies')} required />
      </Field>
      <Field label="ISBN" hint="optional; ISBN-10 or -13">
        <input value={draft.isbn} onInput={set('isbn')} />
      </Field>
      <Field label="Cover URL" hint="optional; an http(s) address, or upload an image">
        <input type="url" value={draft.coverUrl} onInput={set('coverUrl')} />
      </Field>
    </>
  )
}

/** What PATCH /api/books/:id wants: only the fields changed; an emptied ISBN or URL is cleared. */
function changes(book: Book, draft: Draft) {
  const was = draftOf(book)
  const body: Partial<Omit<Draft, 'isbn' | 'coverUrl'>> & {
    isbn?: string | null
    coverUrl?: string | null
  } = {}
  if (draft.title !== was.title) body.title = draft.title
  if (draft.author !== was.author) body.author = draft.author
  if (draft.description !== was.description) body.description = draft.description
  if (draft.type !== was.type) body.type = draft.type
  if (draft.copies !== was.copies) body.copies = draft.copies
  if (draft.isbn.trim() !== was.isbn) body.isbn = draft.isbn.trim() || null
  if (draft.coverUrl.trim() !== was.coverUrl) body.coverUrl = draft.coverUrl.trim() || null
  return body
}

/** Uploads an image file as the book's cover: its bytes, with the type the browser gave it. */
export const putCover = (bookId: string, file: File) =>
  api.PUT('/api/books/{id}/cover', {
    params: { path: { id: bookId } },
    // The body is the file itself (not JSON); the API checks its type from the bytes.
    body: file as unknown as string,
    bodySerializer: (body: unknown) => body as string,
    headers: { 'content-type': file.type || 'application/octet-stream' },
  })

export function CoverInput(props: { input: RefObject<HTMLInputElement | null> }) {
  return (
    <Field label="Cover image" hint="optional; PNG, JPEG or WebP, at most 2 MB">
      <input ref={props.input} type="file" accept="image/png,image/jpeg,image/webp" />
    </Field>
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
    const body = changes(book, draft)
    if (Object.keys(body).length === 0) return setDone('Nothing to save: no field changed.')
    const params = { path: { id: book.id } }
    if (await action.run(() => api.PATCH('/api/books/{id}', { params, body }))) {
      setDone('Saved.')
      props.onSaved()
    }
  }
  return (
    <form class="stack" onSubmit={save} aria-label={`Edit ${book.title}`}>
      <BookFields draft={draft} onChange={setDraft} />
      <Submit label="Save" action={action} done={done} />
    </form>
  )
}

function UploadCover(props: { book: Book; onDone: () => void }) {
  const input = useRef<HTMLInputElement>(null)
  const [done, setDone] = useState<string>()
  const action = useAction()
  const upload = async (e: Event) => {
    e.preventDefault()
    setDone(undefined)
    const file = input.current?.files?.[0]
    if (!file) return action.setError('Choose an image file first.')
    if (await action.run(() => putCover(props.book.id, file))) {
      setDone('The cover is uploaded.')
      if (input.current) input.current.value = ''
      props.onDone()
    }
  }
  return (
    <form class="stack" onSubmit={upload} aria-label={`Cover of ${props.book.title}`}>
      <CoverInput input={input} />
      <Submit label="Upload the cover" action={action} done={done} />
    </form>
  )
}

function Retire(props: { book: Book; onDone: () => void }) {
  const [asking, setAsking] = useState(false)
  const keep = useRef<HTMLButtonElement>(null)
  const action = useAction()
  // The Retire button gives way to the question: focus goes to its safe answer.
  useEffect(() => {
    if (asking) keep.current?.focus()
  }, [asking])
  const retire = async () => {
    const params = { path: { id: props.book.id } }
    if (await action.run(() => api.DELETE('/api/books/{id}', { params }))) props.onDone()
    setAsking(false)
  }
  return (
    <div class="retire">
      {asking ? (
        <p>
          Retire “{props.book.title}”? It leaves the catalogue and cannot be rented again; its
          rentals stay on record.{' '}
          <button type="button" class="danger" onClick={retire} disabled={action.busy}>
            Yes, retire it
          </button>{' '}
          <button ref={keep} type="button" class="secondary" onClick={() => setAsking(false)}>
            Keep it
          </button>
        </p>
      ) : (
        <button
          type="button"
          class="danger"
          onClick={() => setAsking(true)}
          aria-label={`Retire ${props.book.title}`}
        >
          Retire
        </button>
      )}
      <ErrorText text={action.error} />
    </div>
  )
}

/** The editor under a book's card; a change made elsewhere (seen live) resets its fields. */
export function BookEditor(props: { book: Book; onChanged: () => void }) {
  const { book, onChanged } = props
  return (
    <details>
      <summary>Edit “{book.title}”</summary>
      <EditBook key={JSON.stringify(draftOf(book))} book={book} onSaved={onChanged} />
      <UploadCover book={book} onDone={onChanged} />
      <Retire book={book} onDone={onChanged} />
    </details>
  )
}
