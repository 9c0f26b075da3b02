// Serves the web app (web/, built into web/dist at install): its page paths, the old service's
// page paths among them, all answer the one index.html, whose script routes in the browser.
// The few built files are read once at start, with the gzip and brotli copies the build made.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, extname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { DomainError } from '../../domain/errors.js'
import type { AppDeps } from '../deps.js'

/** Beside src/ in a checkout, beside dist/src/ in the image (the Dockerfile copies it there). */
export const WEB_DIST = join(dirname(fileURLToPath(import.meta.url)), '../../../web/dist')

/**
 * The pages (the web app's router has the same list, web/src/router.ts): the old ones first.
 * Each is served with and without a trailing slash, as the old service's paths were.
 */
export const PAGE_PATHS = [
  '/',
  '/home',
  '/balance',
  '/user/login',
  '/admin',
  '/admin/*',
  '/signup',
  '/rentals',
  '/payments',
  '/profile',
]

/** No inline script or style, nothing from elsewhere but cover images (staff may link them). */
export const WEB_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: https: http:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ')

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
}

interface Asset {
  type: string
  body: Buffer
  br?: Buffer
  gzip?: Buffer
}

function loadAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>()
  if (!existsSync(dir)) return assets
  const read = (rel: string) => {
    const file = join(dir, rel)
    return existsSync(file) ? readFileSync(file) : undefined
  }
  const walk = (rel: string) => {
    for (const entry of readdirSync(join(dir, rel), { withFileTypes: true })) {
      const name = rel ? `${rel}/${entry.name}` : entry.name
      if (entry.isDirectory()) walk(name)
      else if (TYPES[extname(name)]) {
        assets.set(name, {
          type: TYPES[extname(name)]!,
          body: readFileSync(join(dir, name)),
          br: read(`${name}.br`),
          gzip: read(`${name}.gz`),
        })
      }
    }
  }
  walk('')
  return assets
}

function send(request: FastifyRequest, reply: FastifyReply, asset: Asset) {
  const accepts = String(request.headers['accept-encoding'] ?? '')
  reply.header('content-type', asset.type).header('vary', 'accept-encoding')
  reply.header('content-security-policy', WEB_CSP)
  if (asset.br && /\bbr\b/.test(accepts))
    return reply.header('content-encoding', 'br').send(asset.br)
  if (asset.gzip && /\bgzip\b/.test(accepts)) {
    return reply.header('content-encoding', 'gzip').send(asset.gzip)
  }
  return reply.send(asset.body)
}

export const webRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps; dir?: string }> = async (
  app,
  opts,
) => {
  const assets = loadAssets(opts.dir ?? WEB_DIST)
  const page = async (request: FastifyRequest, reply: FastifyReply) => {
    const index = assets.get('index.html')
    if (!index) {
      throw new DomainError(
        'NOT_READY',
        'The web app is not built: run npm install (or npm run build:web)',
      )
    }
    // Always revalidated, so that a new build's asset names are picked up at once.
    reply.header('cache-control', 'no-cache')
    return send(request, reply, index)
  }
  const hidden = { hide: true }
  for (const path of PAGE_PATHS) {
    app.get(path, { config: { auth: 'anyone' }, schema: hidden }, page)
    if (!path.endsWith('*') && path !== '/') {
      app.get(`${path}/`, { config: { auth: 'anyone' }, schema: hidden }, page)
    }
  }
  app.get(
    '/assets/:file',
    {
      config: { auth: 'anyone' },
      schema: { ...hidden, params: Type.Object({ file: Type.String({ maxLength: 200 }) }) },
    },
    async (request, reply) => {
      const asset = assets.get(`assets/${request.params.file}`)
      if (!asset) throw new DomainError('NOT_FOUND', 'No such file')
      // Names carry a hash of their content: they never change.
      reply.header('cache-control', 'public, max-age=31536000, immutable')
      return send(request, reply, asset)
    },
  )
}
