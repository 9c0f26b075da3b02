// Security headers, as helmet sets them, on every response. Helmet's middleware rebuilds and
// re-validates its Content-Security-Policy and runs a chain of a dozen middlewares on each request;
// with no per-request directive (no nonce, no function) its output is the same every time. So it
// runs once, at start, on a response that records what it does, and each request replays that.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import helmet, { type HelmetOptions } from 'helmet'

/** The app's headers: helmet's defaults, but Swagger UI needs its inline script and styles. */
export const HELMET_OPTIONS: Readonly<HelmetOptions> = {
  contentSecurityPolicy: {
    directives: {
      'script-src': ["'self'", "'unsafe-inline'"],
      'style-src': ["'self'", "'unsafe-inline'"],
      'img-src': ["'self'", 'data:'],
    },
  },
}

export interface HeaderChanges {
  set: [name: string, value: string | number | readonly string[]][]
  removed: string[]
}

/** What helmet does to a response with `options`; throws if that depends on the request. */
export function helmetHeaders(options: Readonly<HelmetOptions>): HeaderChanges {
  const changes: HeaderChanges = { set: [], removed: [] }
  const recorder = {
    setHeader: (name: string, value: string | number | readonly string[]) => {
      changes.set.push([name, value])
    },
    removeHeader: (name: string) => {
      changes.removed.push(name)
    },
  }
  const request = new Proxy({} as IncomingMessage, {
    get: (_t, name) => {
      throw new Error(`helmet read request.${String(name)}: its headers depend on the request`)
    },
  })
  let finished = false
  helmet(options)(request, recorder as unknown as ServerResponse, (err) => {
    if (err) throw err
    finished = true
  })
  if (!finished) throw new Error('helmet did not finish synchronously')
  return changes
}

export const securityHeadersPlugin = fp(
  async (app: FastifyInstance, opts: { helmet: Readonly<HelmetOptions> }) => {
    const { set, removed } = helmetHeaders(opts.helmet)
    app.addHook('onRequest', (_request, reply, done) => {
      const res = reply.raw
      for (const [name, value] of set) res.setHeader(name, value)
      for (const name of removed) res.removeHeader(name)
      done()
    })
  },
)
