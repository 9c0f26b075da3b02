// Operations: health, readiness, metrics, and the API's own documentation.
import t from 'tap'
import { forEachApp } from '../helpers/app.js'

forEachApp(t, async (t, { app, user }) => {
  const staff = await user('staff')

  await t.test('healthz answers 200 whatever the Host header', async (t) => {
    for (const host of [
      'localhost',
      'internal-lb-123.eu-west-1.elb.amazonaws.com',
      '10.0.3.7:3000',
    ]) {
      const res = await app.inject({ url: '/healthz', headers: { host } })
      t.equal(res.statusCode, 200, host)
    }
  })

  await t.test('readyz checks the database', async (t) => {
    const res = await app.inject({ url: '/readyz' })
    t.equal(res.statusCode, 200)
    t.match(res.json(), { status: 'ready', checks: { database: 'ok', projections: 'ok' } })
  })

  await t.test('metrics count commands, appended events and requests', async (t) => {
    const added = await app.inject({
      method: 'POST',
      url: '/api/books',
      headers: staff.auth,
      payload: { title: 'Counted', author: 'A', description: 'A book.', type: 'novel' },
    })
    t.equal(added.statusCode, 201)
    const res = await app.inject({ url: '/metrics' })
    t.equal(res.statusCode, 200)
    t.match(res.headers['content-type'], /^text\/plain/)
    t.match(res.body, /rental_ledger_commands_total\{command="AddBook",outcome="ok"\} [1-9]/)
    t.match(res.body, /rental_ledger_events_appended_total [1-9]/)
    t.match(
      res.body,
      /rental_ledger_http_request_duration_seconds_count\{method="POST",route="\/api\/books",status="201"\} [1-9]/,
    )
    t.match(res.body, /rental_ledger_projection_lag_events\{projection="book-availability"\} \d/)
  })

  await t.test('the OpenAPI document describes bearer auth, errors and examples', async (t) => {
    const doc = (await app.inject({ url: '/docs/json' })).json()
    t.equal(doc.openapi, '3.0.3')
    t.match(doc.components.securitySchemes.bearerAuth, { type: 'http', scheme: 'bearer' })
    const post = doc.paths['/api/books'].post
    t.same(post.security, [{ bearerAuth: [] }], 'secured routes say so')
    t.match(
      post.requestBody.content['application/json'].example,
      { title: String },
      'with an example',
    )
    t.ok(doc.paths['/api/books'].get.security === undefined, 'public routes need no token')
    t.ok(post.responses['409'], 'error responses are documented')
    const ui = await app.inject({ url: '/docs/' })
    t.equal(ui.statusCode, 200)
    t.match(ui.body, /<title>Swagger UI<\/title>/, 'Swagger UI is served')
  })
})
