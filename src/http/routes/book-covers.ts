// A book's cover image (uploaded by staff, served to anyone with a strong ETag) and its
// retirement: the parts of a book beyond the catalogue fields of ./books.ts.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { getCover } from '../../../projections/book-availability/queries.js'
import { type CoverType, retireBook, uploadCover } from '../../commands/book-lifecycle.js'
import type { BookResult } from '../../commands/books.js'
import { DomainError } from '../../domain/errors.js'
import { encodePosition } from '../../eventstore/position.js'
import type { AppDeps } from '../deps.js'
import { sendIdempotent } from '../idempotency.js'
import { MinPositionQuery } from '../plugins/consistency.js'
import { BookSchema, IdParams, problems, withPosition } from '../schemas.js'
import { IdempotencyHeaders, meta } from './command-meta.js'

const COVER_TYPES: readonly CoverType[] = ['image/png', 'image/jpeg', 'image/webp']
export const MAX_COVER_BYTES = 2 * 1024 * 1024
const YEAR_SECONDS = 365 * 24 * 60 * 60

/** The image type its first bytes say, whatever the Content-Type claimed. */
export function sniffImage(bytes: Buffer): CoverType | undefined {
  const starts = (sig: number[], at = 0) => sig.every((b, i) => bytes[at + i] === b)
  if (starts([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png'
  if (starts([0xff, 0xd8, 0xff])) return 'image/jpeg'
  // RIFF <size> WEBP
  if (starts([0x52, 0x49, 0x46, 0x46]) && starts([0x57, 0x45, 0x42, 0x50], 8)) return 'image/webp'
  return undefined
}

const respond = (r: BookResult) => ({
  statusCode: 200,
  body: { ...r.book, position: encodePosition(r.position) },
})

export const bookCoverRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (
  app,
  { deps },
) => {
  const db = deps.database.db
  // Only in this plugin: everywhere else a body that is not JSON stays a 415.
  app.addContentTypeParser(
    [...COVER_TYPES],
    { parseAs: 'buffer', bodyLimit: MAX_COVER_BYTES },
    (_request, body, done) => done(null, body),
  )

  app.put(
    '/api/books/:id/cover',
    {
      config: { auth: 'staff' },
      bodyLimit: MAX_COVER_BYTES,
      schema: {
        tags: ['books'],
        summary: 'Upload the book’s cover: a PNG, JPEG or WebP of at most 2 MB (staff)',
        description:
          'The body is the image itself, with its Content-Type. The type is checked from the ' +
          'bytes (400 when they are not the image the Content-Type says); 415 for another ' +
          'Content-Type, 413 above 2 MB. The image is stored by its sha256 and the book’s ' +
          '`coverUrl` becomes the service’s URL of it.',
        headers: IdempotencyHeaders,
        params: IdParams,
        consumes: [...COVER_TYPES],
        body: Type.Unsafe<Buffer>({ type: 'string', format: 'binary' }),
        response: { 200: withPosition(BookSchema), ...problems(400, 401, 403, 404, 409, 413, 415) },
      },
      // The body is bytes, not JSON: nothing for the JSON validator to check.
      validatorCompiler: () => () => true,
    },
    async (request, reply) => {
      const bytes = request.body
      // No body at all skips the parsers: there is no image and no image type.
      if (!Buffer.isBuffer(bytes)) {
        throw new DomainError(
          'UNSUPPORTED_MEDIA_TYPE',
          `Send the image as ${COVER_TYPES.join(', ')}`,
        )
      }
      const claimed = request.headers['content-type']?.split(';')[0]?.trim().toLowerCase()
      const sniffed = sniffImage(bytes)
      if (sniffed === undefined || sniffed !== claimed) {
        throw new DomainError('INVALID_IMAGE', `The bytes are not a ${claimed} image`)
      }
      return sendIdempotent(db, request, reply, respond, (options) =>
        uploadCover(
          deps.commands,
          request.params.id,
          { bytes, contentType: sniffed },
          meta(request),
          options,
        ),
      )
    },
  )

  app.get(
    '/api/books/:id/cover',
    {
      config: { auth: 'anyone', readModel: 'book-availability' },
      schema: {
        tags: ['books'],
        summary: 'The book’s uploaded cover image',
        description:
          'With a strong ETag (the image’s sha256): send it back as If-None-Match for a 304. ' +
          'Through the `coverUrl` of the book (which names the image) it may be cached for a ' +
          'year; without it, caches revalidate.',
        params: IdParams,
        querystring: Type.Object(
          {
            v: Type.Optional(
              Type.String({ maxLength: 64, description: 'the image, as coverUrl names it' }),
            ),
            ...MinPositionQuery,
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Unsafe<Buffer>({ type: 'string', format: 'binary', description: 'the image' }),
          304: Type.Null({ description: 'the image named by If-None-Match is current' }),
          ...problems(400, 404, 503),
        },
      },
    },
    async (request, reply) => {
      const cover = await getCover(db, request.params.id)
      if (!cover)
        throw new DomainError('NOT_FOUND', `Book ${request.params.id} has no uploaded cover`)
      const etag = `"${cover.sha256}"`
      const named = request.query.v !== undefined && cover.sha256.startsWith(request.query.v)
      reply
        .header('etag', etag)
        .header(
          'cache-control',
          named ? `public, max-age=${YEAR_SECONDS}, immutable` : 'public, no-cache',
        )
      const match = request.headers['if-none-match']
      if (match?.split(',').some((m) => m.trim() === etag)) {
        return reply.code(304).send(null)
      }
      return reply.type(cover.contentType).send(cover.bytes)
    },
  )

  app.delete(
    '/api/books/:id',
    {
      config: { auth: 'staff' },
      schema: {
        tags: ['books'],
        summary:
          'Retire a book (staff): it leaves listings and cannot be rented; its history stays',
        description: '409 while copies are out on rental. Retiring a retired book changes nothing.',
        headers: IdempotencyHeaders,
        params: IdParams,
        response: { 200: withPosition(BookSchema), ...problems(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) =>
      sendIdempotent(db, request, reply, respond, (options) =>
        retireBook(deps.commands, request.params.id, meta(request), options),
      ),
  )
}
