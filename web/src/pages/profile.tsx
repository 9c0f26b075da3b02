// My profile (GET and PATCH /api/me): email, name, phone, address. Only what changed is sent; a
// field emptied is cleared (null), except the email, which an account keeps.
import { useEffect, useState } from 'preact/hooks'
import { api, type Me, problemText } from '../api'
import { ErrorText, Field, Page, Submit, useAction } from '../ui'

type Editable = 'email' | 'name' | 'phone' | 'address'
type Draft = Record<Editable, string>
const FIELDS: Editable[] = ['email', 'name', 'phone', 'address']
const draftOf = (me: Me): Draft => ({
  email: me.email ?? '',
  name: me.name ?? '',
  phone: me.phone ?? '',
  address: me.address ?? '',
})

/** The fields that differ from the profile as read, as PATCH /api/me wants them. */
function changes(me: Me, draft: Draft) {
  const body: {
    email?: string
    name?: string | null
    phone?: string | null
    address?: string | null
  } = {}
  const was = draftOf(me)
  for (const k of FIELDS) {
    if (draft[k].trim() === was[k]) continue
    if (k === 'email') body.email = draft.email.trim()
    else body[k] = draft[k].trim() || null
  }
  return body
}

export function MyProfile() {
  const [me, setMe] = useState<Me>()
  const [draft, setDraft] = useState<Draft>()
  const [loadError, setLoadError] = useState<string>()
  const [done, setDone] = useState<string>()
  const action = useAction()
  useEffect(() => {
    void api.GET('/api/me').then(({ data, error }) => {
      if (!data) return setLoadError(problemText(error))
      setMe(data)
      setDraft(draftOf(data))
    })
  }, [])
  const set = (k: Editable) => (e: { currentTarget: HTMLInputElement | HTMLTextAreaElement }) =>
    draft && setDraft({ ...draft, [k]: e.currentTarget.value })
  const save = async (e: Event) => {
    e.preventDefault()
    if (!me || !draft) return
    setDone(undefined)
    const body = changes(me, draft)
    if (Object.keys(body).length === 0) return setDone('Nothing to save: no field changed.')
    let saved: Me | undefined
    const ok = await action.run(async () => {
      const r = await api.PATCH('/api/me', { body })
      saved = r.data
      return r
    })
    if (ok && saved) {
      setMe(saved)
      setDraft(draftOf(saved))
      setDone('Saved.')
    }
  }
  return (
    <Page title="My profile">
      <ErrorText text={loadError} />
      {me && draft && (
        <>
          <p>
            Signed in as <strong>{me.username}</strong> ({me.role === 'staff' ? 'staff' : 'patron'}
            ).
          </p>
          <form class="stack" onSubmit={save} aria-label="My profile">
            <Field label="Email">
              <input
                type="email"
                value={draft.email}
                onInput={set('email')}
                autocomplete="email"
                required
              />
            </Field>
            <Field label="Name" hint="leave empty to clear">
              <input value={draft.name} onInput={set('name')} autocomplete="name" />
            </Field>
            <Field label="Phone" hint="digits, spaces and dashes; may start with +">
              <input type="tel" value={draft.phone} onInput={set('phone')} autocomplete="tel" />
            </Field>
            <Field label="Address">
              <textarea
                value={draft.address}
                onInput={set('address')}
                autocomplete="street-address"
              />
            </Field>
            <Submit label="Save" action={action} done={done} />
          </form>
        </>
      )}
    </Page>
  )
}
