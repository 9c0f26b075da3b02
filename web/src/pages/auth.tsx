// The landing page (the old `/`: "Rent Books." with sign-in and sign-up), sign-in, sign-up.
import { useState } from 'preact/hooks'
import { api, signIn } from '../api'
import { Link, navigate } from '../router'
import { ErrorText, Field, Page, useAction } from '../ui'

function SignInForm() {
  const [username, setUsername] = useState('')
  const [password, setPassword] = useState('')
  const action = useAction()
  const submit = async (e: Event) => {
    e.preventDefault()
    await action.run(async () => {
      const error = await signIn(username, password)
      if (!error) navigate('/home')
      return error ? { error: { detail: error } } : {}
    })
  }
  return (
    <form onSubmit={submit} aria-label="Sign in">
      <Field label="Username">
        <input
          value={username}
          onInput={(e) => setUsername(e.currentTarget.value)}
          autocomplete="username"
          required
        />
      </Field>
      <Field label="Password">
        <input
          type="password"
          value={password}
          onInput={(e) => setPassword(e.currentTarget.value)}
          autocomplete="current-password"
          required
        />
      </Field>
      <button type="submit" disabled={action.busy}>
        Sign in
      </button>
      <ErrorText text={action.error} />
    </form>
  )
}

export function Landing() {
  return (
    <Page title="Rent Books.">
      <p>Borrow from our shelves: pay only for the days you keep a book.</p>
      <h2>Sign in</h2>
      <SignInForm />
      <p>
        New here? <Link href="/signup">Sign up</Link>
      </p>
    </Page>
  )
}

export function SignIn() {
  return (
    <Page title="Sign in">
      <SignInForm />
      <p>
        New here? <Link href="/signup">Sign up</Link>
      </p>
    </Page>
  )
}

export function SignUp() {
  const [form, setForm] = useState({ username: '', email: '', password: '' })
  const action = useAction()
  const set = (k: keyof typeof form) => (e: { currentTarget: HTMLInputElement }) =>
    setForm({ ...form, [k]: e.currentTarget.value })
  const submit = async (e: Event) => {
    e.preventDefault()
    const ok = await action.run(() => api.POST('/api/auth/register', { body: form }))
    if (!ok) return
    const error = await signIn(form.username, form.password)
    if (error) action.setError(error)
    else navigate('/home')
  }
  return (
    <Page title="Sign up">
      <form onSubmit={submit} aria-label="Sign up">
        <Field label="Username" hint="3 to 150 letters, digits and _ . @ + -">
          <input value={form.username} onInput={set('username')} autocomplete="username" required />
        </Field>
        <Field label="Email">
          <input
            type="email"
            value={form.email}
            onInput={set('email')}
            autocomplete="email"
            required
          />
        </Field>
        <Field label="Password" hint="at least 8 characters">
          <input
            type="password"
            value={form.password}
            onInput={set('password')}
            autocomplete="new-password"
            required
            minLength={8}
          />
        </Field>
        <button type="submit" disabled={action.busy}>
          Sign up
        </button>
        <ErrorText text={action.error} />
      </form>
      <p>
        Have an account? <Link href="/user/login">Sign in</Link>
      </p>
    </Page>
  )
}
