// Every route of the API against every kind of caller: nobody, the owner of the resource, another
// user, and staff. The table must cover every route the OpenAPI document lists.
import { randomUUID } from 'node:crypto'
import t from 'tap'
import { extendChain } from '../../src/audit/chain-writer.js'
import { forEachApp, type TestUser } from '../helpers/app.js'

type Caller = 'anonymous' | 'owner' | 'other' | 'staff'
const CALLERS: Caller[] = ['anonymous', 'owner', 'other', 'staff']

type Req = { url: string; payload?: object; type?: string }
// The smallest PNG: its signature and an IHDR, which is all the upload checks.
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex')

interface Row {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE'
  /** the route as the OpenAPI document names it */
  route: string
  /** the request for one caller (fresh resources where a call consumes them) */
  request: (caller: Caller) => Promise<Req> | Req
  expect: Record<Caller, number>
}

const all = (status: number) => ({ anonymous: status, owner: status, other: status, staff: status })
const signedIn = (status: number) => ({
  anonymous: 401,
  owner: status,
  other: status,
  staff: status,
})
const ownerOrStaff = (status: number) => ({
  anonymous: 401,
  owner: status,
  other: 403,
  staff: status,
})
const staffOnly = (status: number) => ({ anonymous: 401, owner: 403, other: 403, staff: status })
const fresh = () => `u${randomUUID().slice(0, 12)}`

forEachApp(
  t,
  async (t, { app, user, addBook, database }) => {
    const staff = await user('staff')
    const owner = await user()
    const other = await user()
    const who: Record<Caller, TestUser | undefined> = { anonymous: undefined, owner, other, staff }

    const book = await addBook(staff, { title: 'Matrix', copies: 100 })
    const rentAsOwner = async () =>
      (
        await app.inject({
          method: 'POST',
          url: '/api/rentals',
          headers: owner.auth,
          payload: { bookId: book.id },
        })
      ).json().id as string
    const rental = await rentAsOwner()
    const login = { username: owner.username, password: 'correct horse battery' }

    const rows: Row[] = [
      { method: 'GET', route: '/healthz', request: () => ({ url: '/healthz' }), expect: all(200) },
      { method: 'GET', route: '/readyz', request: () => ({ url: '/readyz' }), expect: all(200) },
      { method: 'GET', route: '/metrics', request: () => ({ url: '/metrics' }), expect: all(200) },
      {
        method: 'POST',
        route: '/api/auth/register',
        request: () => {
          const n = fresh()
          return {
            url: '/api/auth/register',
            payload: { username: n, email: `${n}@example.com`, password: 'long enough' },
          }
        },
        expect: all(201),
      },
      {
        method: 'POST',
        route: '/api/auth/token',
        request: () => ({ url: '/api/auth/token', payload: login }),
        expect: all(200),
      },
      {
        method: 'POST',
        route: '/api/auth/refresh',
        request: () => ({ url: '/api/auth/refresh', payload: { refreshToken: 'not-a-token' } }),
        expect: all(401),
      },
      {
        method: 'GET',
        route: '/api/me',
        request: () => ({ url: '/api/me' }),
        expect: signedIn(200),
      },
      {
        method: 'PATCH',
        route: '/api/me',
        request: () => ({ url: '/api/me', payload: { name: 'Somebody' } }),
        expect: signedIn(200),
      },
      {
        method: 'PUT',
        route: '/api/books/{id}/cover',
        request: () => ({ url: `/api/books/${book.id}/cover`, payload: PNG, type: 'image/png' }),
        expect: staffOnly(200),
      },
      {
        method: 'GET',
        route: '/api/books/{id}/cover',
        // Uploaded by staff first; the anonymous reader waits for it through minPosition.
        request: async () => {
          const put = await app.inject({
            method: 'PUT',
            url: `/api/books/${book.id}/cover`,
            headers: { ...staff.auth, 'content-type': 'image/png' },
            payload: PNG,
          })
          return { url: `/api/books/${book.id}/cover?minPosition=${put.json().position}` }
        },
        expect: all(200),
      },
      {
        method: 'DELETE',
        route: '/api/books/{id}',
        request: async () => ({
          url: `/api/books/${(await addBook(staff, { title: fresh() })).id}`,
        }),
        expect: staffOnly(200),
      },
      {
        method: 'GET',
        route: '/api/users',
        request: () => ({ url: '/api/users' }),
        expect: staffOnly(200),
      },
      {
        method: 'GET',
        route: '/api/payments',
        request: () => ({ url: `/api/payments?userId=${owner.id}` }),
        expect: ownerOrStaff(200),
      },
      {
        method: 'GET',
        route: '/api/books',
        request: () => ({ url: '/api/books' }),
        expect: all(200),
      },
      {
        method: 'GET',
        route: '/api/books/{id}',
        request: () => ({ url: `/api/books/${book.id}` }),
        expect: all(200),
      },
      {
        method: 'POST',
        route: '/api/books',
        request: () => ({
          url: '/api/books',
          payload: { title: fresh(), author: 'B', description: 'A book.', type: 'novel' },
        }),
        expect: staffOnly(201),
      },
      {
        method: 'PATCH',
        route: '/api/books/{id}',
        request: () => ({ url: `/api/books/${book.id}`, payload: { description: fresh() } }),
        expect: staffOnly(200),
      },
      {
        method: 'POST',
        route: '/api/rentals',
        request: () => ({ url: '/api/rentals', payload: { bookId: book.id } }),
        expect: signedIn(201),
      },

      {
        method: 'POST',
        route: '/api/rentals/{id}/return',
        request: async () => ({ url: `/api/rentals/${await rentAsOwner()}/return` }),
        expect: ownerOrStaff(200),
      },
      {
        method: 'GET',
        route: '/api/rentals',
        request: () => ({ url: `/api/rentals?userId=${owner.id}` }),
        expect: ownerOrStaff(200),
      },
      {
        method: 'GET',
        route: '/api/rentals/{id}',
        request: () => ({ url: `/api/rentals/${rental}` }),
        expect: ownerOrStaff(200),
      },
      {
        method: 'POST',
        route: '/api/payments',
        request: () => ({ url: '/api/payments', payload: { amountCents: 100, userId: owner.id } }),
        expect: staffOnly(201),
      },
      {
        method: 'GET',
        route: '/api/users/{id}/balance',
        request: () => ({ url: `/api/users/${owner.id}/balance` }),
        expect: ownerOrStaff(200),
      },
      {
        method: 'GET',
        route: '/api/me/balance',
        request: () => ({ url: '/api/me/balance' }),
        expect: signedIn(200),
      },
      {
        method: 'GET',
        route: '/api/audit/events',
        request: () => ({ url: '/api/audit/events' }),
        expect: staffOnly(200),
      },
      {
        method: 'GET',
        route: '/api/admin/projections',
        request: () => ({ url: '/api/admin/projections' }),
        expect: staffOnly(200),
      },
      {
        method: 'POST',
        route: '/api-token-auth/',
        request: () => ({ url: '/api-token-auth/', payload: login }),
        expect: all(200),
      },
      {
        method: 'POST',
        route: '/api/rest-auth/registration/',
        request: () => {
          const n = fresh()
          return {
            url: '/api/rest-auth/registration/',
            payload: {
              username: n,
              email: `${n}@example.com`,
              password1: 'long enough',
              password2: 'long enough',
            },
          }
        },
        expect: all(201),
      },
      {
        method: 'GET',
        route: '/api/{version}/books/',
        request: () => ({ url: '/api/v1/books/' }),
        expect: all(200),
      },
      {
        method: 'GET',
        route: '/api/{version}/book_rentals/',
        request: () => ({ url: '/api/v2/book_rentals/' }),
        expect: staffOnly(200),
      },
      {
        method: 'POST',
        route: '/api/{version}/book_rentals/create',
        request: () => ({ url: '/api/v3/book_rentals/create', payload: { book: book.id } }),
        expect: signedIn(201),
      },
      {
        method: 'GET',
        route: '/api/{version}/book_rentals/users/balance/{user_id}',
        request: () => ({ url: `/api/v1/book_rentals/users/balance/${owner.id}` }),
        expect: ownerOrStaff(200),
      },
      {
        method: 'POST',
        route: '/api-token-refresh/',
        request: () => ({ url: '/api-token-refresh/', payload: { token: owner.token } }),
        expect: all(200),
      },
      {
        method: 'POST',
        route: '/api-token-verify/',
        request: () => ({ url: '/api-token-verify/', payload: { token: owner.token } }),
        expect: all(200),
      },
      {
        method: 'GET',
        route: '/api/v1/accounts/',
        request: () => ({ url: '/api/v1/accounts/' }),
        expect: staffOnly(200),
      },
      {
        method: 'POST',
        route: '/api/v1/accounts/',
        request: () => {
          const n = fresh()
          return {
            url: '/api/v1/accounts/',
            payload: { username: n, email: `${n}@example.com`, password: 'long enough' },
          }
        },
        expect: staffOnly(201),
      },
      {
        method: 'GET',
        route: '/api/v1/accounts/{id}',
        request: () => ({ url: `/api/v1/accounts/${owner.id}` }),
        expect: ownerOrStaff(200),
      },
      ...(['PUT', 'PATCH'] as const).map(
        (method): Row => ({
          method,
          route: '/api/v1/accounts/{id}/update',
          request: () => ({
            url: `/api/v1/accounts/${owner.id}/update`,
            payload: { name: 'Someone' },
          }),
          expect: ownerOrStaff(200),
        }),
      ),
      {
        method: 'POST',
        route: '/api/{version}/books/',
        request: () => ({
          url: '/api/v2/books/',
          payload: { name: fresh(), author: 'B', description: 'A book.', book_type: 3 },
        }),
        expect: staffOnly(201),
      },
      {
        method: 'GET',
        route: '/api/{version}/books/{id}',
        request: () => ({ url: `/api/v1/books/${book.id}` }),
        expect: all(200),
      },
      ...(['PUT', 'PATCH'] as const).map(
        (method): Row => ({
          method,
          route: '/api/{version}/books/{id}/update',
          request: () => ({
            url: `/api/v3/books/${book.id}/update`,
            payload: { description: fresh() },
          }),
          expect: staffOnly(200),
        }),
      ),
      {
        method: 'DELETE',
        route: '/api/{version}/books/{id}/delete',
        request: async () => ({
          url: `/api/v1/books/${(await addBook(staff, { title: fresh() })).id}/delete`,
        }),
        expect: staffOnly(204),
      },
      {
        method: 'GET',
        route: '/api/{version}/book_rentals/{ref}',
        request: () => ({ url: `/api/v2/book_rentals/${rental}` }),
        expect: ownerOrStaff(200),
      },
      {
        method: 'GET',
        route: '/api/{version}/book_rentals/users/{user_id}',
        request: () => ({ url: `/api/v2/book_rentals/users/${owner.id}` }),
        expect: ownerOrStaff(200),
      },
      ...(['PUT', 'PATCH'] as const).map(
        (method): Row => ({
          method,
          route: '/api/{version}/book_rentals/{ref}/update',
          request: async () => ({
            url: `/api/v1/book_rentals/${await rentAsOwner()}/update`,
            payload: { status: 1 },
          }),
          expect: ownerOrStaff(200),
        }),
      ),
      {
        method: 'DELETE',
        route: '/api/{version}/book_rentals/{ref}/delete',
        request: async () => ({ url: `/api/v3/book_rentals/${await rentAsOwner()}/delete` }),
        expect: staffOnly(204),
      },
      {
        method: 'GET',
        route: '/api/audit/public-key',
        request: () => ({ url: '/api/audit/public-key' }),
        expect: all(200),
      },
      {
        method: 'POST',
        route: '/api/audit/head',
        request: async () => {
          await extendChain(database.db)
          return { url: '/api/audit/head' }
        },
        expect: staffOnly(201),
      },
      {
        method: 'GET',
        route: '/api/audit/head',
        request: async () => {
          await extendChain(database.db)
          await app.inject({ method: 'POST', url: '/api/audit/head', headers: staff.auth })
          return { url: '/api/audit/head' }
        },
        expect: staffOnly(200),
      },
      {
        method: 'POST',
        route: '/api/session',
        request: () => ({ url: '/api/session', payload: login }),
        expect: all(200),
      },
      {
        method: 'POST',
        route: '/api/session/refresh',
        request: () => ({ url: '/api/session/refresh' }),
        expect: all(401),
      },
      {
        method: 'DELETE',
        route: '/api/session',
        request: () => ({ url: '/api/session' }),
        expect: all(204),
      },
    ]

    await t.test('the table covers every documented route', async (t) => {
      const doc = (await app.inject({ url: '/docs/json' })).json() as {
        paths: Record<string, Record<string, unknown>>
      }
      const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
        Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
      )
      // The live stream never ends, so inject cannot wait for it: test/http/live.test.ts reads it.
      const covered = [...rows.map((r) => `${r.method} ${r.route}`), 'GET /api/live']
      t.same(
        documented.filter((r) => !covered.includes(r)),
        [],
        'no documented route is left out',
      )
      t.same(
        covered.filter((r) => !documented.includes(r)),
        [],
        'no row names an unknown route',
      )
    })

    for (const row of rows) {
      await t.test(`${row.method} ${row.route}`, async (t) => {
        for (const caller of CALLERS) {
          const { url, payload, type } = await row.request(caller)
          const headers = { ...who[caller]?.auth, ...(type && { 'content-type': type }) }
          const res = await app.inject({
            method: row.method,
            url,
            headers,
            ...(payload && { payload }),
          })
          t.equal(
            res.statusCode,
            row.expect[caller],
            `${caller}: ${res.statusCode} ${res.statusCode >= 400 ? res.body.slice(0, 160) : ''}`,
          )
          if (res.statusCode >= 400) {
            t.match(
              res.headers['content-type'],
              /^application\/problem\+json/,
              `${caller}: problem+json`,
            )
          }
        }
      })
    }
  },
  // Three login routes each sign in once per caller: more than the default per-minute allowance.
  // The owner rents once per caller for every row that consumes a rental, and the refused
  // callers' rentals stay open: more than the default limit of open rentals.
  { LOGIN_MAX_PER_MINUTE: '100', MAX_OPEN_RENTALS: '100' },
)
