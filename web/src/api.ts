// The one typed client of the API: paths and bodies come from the OpenAPI document of the routes
// (api-types.d.ts, generated at build). The access token lives in this module's memory only; the
// refresh token is an HttpOnly cookie that only /api/session sees (src/http/routes/session.ts).
import createClient from 'openapi-fetch'
import type { paths } from './api-types'

type Json<P extends keyof paths, M extends keyof paths[P], S extends number> = paths[P][M] extends {
  responses: { [K in S]: { content: { 'application/json': infer T } } }
}
  ? T
  : never

export type Book = Json<'/api/books/{id}', 'get', 200>
export type Rental = Json<'/api/rentals/{id}', 'get', 200>
export type Balance = Json<'/api/me/balance', 'get', 200>
export type Session = Json<'/api/session', 'post', 200>
export type Me = Json<'/api/me', 'get', 200>
export type Payment = Json<'/api/payments', 'get', 200>['items'][number]
export type UserRow = Json<'/api/users', 'get', 200>['items'][number]
export type ProjectionRow = Json<'/api/admin/projections', 'get', 200>[number]

let session: (Session & { expiresAt: number }) | undefined
let refreshing: Promise<Session | undefined> | undefined
const sessionListeners = new Set<() => void>()

export const currentSession = () => session
/** Whether the page knows yet if it is signed in (the cookie has been traded, or not). */
let known = false
export const sessionKnown = () => known
export function onSessionChange(listener: () => void): () => void {
  sessionListeners.add(listener)
  return () => sessionListeners.delete(listener)
}

/** Counts sign-ins and sign-outs: a cookie trade that started before one must not undo it. */
let generation = 0

function setSession(next: Session | undefined) {
  known = true
  session = next && { ...next, expiresAt: Date.now() + next.expiresIn * 1000 }
  for (const listener of sessionListeners) listener()
}

/** Trades the session cookie for a fresh access token; one request at a time. */
export function resumeSession(): Promise<Session | undefined> {
  const started = generation
  refreshing ??= fetch('/api/session/refresh', { method: 'POST', credentials: 'same-origin' })
    .then(async (res) => (res.ok ? ((await res.json()) as Session) : undefined))
    .catch(() => undefined)
    .then((next) => {
      refreshing = undefined
      if (started !== generation) return session
      setSession(next)
      return next
    })
  return refreshing
}

export const api = createClient<paths>({ baseUrl: location.origin })
api.use({
  async onRequest({ request }) {
    if (new URL(request.url).pathname.startsWith('/api/session')) return request
    // Renewed a little before it expires, so that no request goes out with a dead token.
    if (session && session.expiresAt - Date.now() < 30_000) await resumeSession()
    if (session) request.headers.set('authorization', `Bearer ${session.accessToken}`)
    return request
  },
})

export async function signIn(username: string, password: string): Promise<string | undefined> {
  const { data, error } = await api.POST('/api/session', { body: { username, password } })
  if (error) return problemText(error)
  generation++
  setSession(data)
  return undefined
}

export async function signOut(): Promise<void> {
  await api.DELETE('/api/session')
  generation++
  setSession(undefined)
}

interface ProblemLike {
  detail?: string
  title?: string
  errors?: { path: string; message: string }[]
}

/** A validator's message for people: a pattern or format is named, not spelled out. */
const readable = (message: string) =>
  message
    .replace(/^must match pattern .*/, 'is not in the expected form')
    .replace(/^must match format "(.*)"/, 'must be a valid $1')

/** A refusal of the API in words: its detail, else its title. */
export function problemText(error: unknown): string {
  const p = (error ?? {}) as ProblemLike
  if (p.errors?.length) {
    return p.errors
      .map((e) => `${e.path.replace(/^(body|querystring)\//, '')} ${readable(e.message)}`)
      .join('; ')
  }
  return p.detail || p.title || 'The request failed; try again.'
}

/** An authorised download (the audit export): fetched, then handed to the browser as a file. */
export async function download(path: string, filename: string): Promise<string | undefined> {
  if (session && session.expiresAt - Date.now() < 30_000) await resumeSession()
  const res = await fetch(path, {
    headers: session ? { authorization: `Bearer ${session.accessToken}` } : {},
  })
  if (!res.ok) return problemText(await res.json().catch(() => undefined))
  const url = URL.createObjectURL(await res.blob())
  const a = document.createElement('a')
  a.href = url
  a.download = filename
  a.click()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
  return undefined
}
