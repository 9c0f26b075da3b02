import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { getBook, listBooks } from '../../../projections/book-availability/queries.js'
import { addBook, type BookResult, updateBook } from '../../commands/books.js'
import { DomainError } from '../../domain/errors.js'
import { encodePosition } from '../../eventstore/position.js'
import { CursorQuery, decodeCursor, page, textPart, uuidPart } from '../cursor.js'
import type { AppDeps } from '../deps.js'
import { sendIdempotent } from '../idempotency.js'
import { MinPositionQuery } from '../plugins/consistency.js'
import { BookSchema, BookTypeSchema, IdParams, problems, Text, withPosition } from '../schemas.js'
import { IdempotencyHeaders, meta } from './command-meta.js'

const readModel = 'book-availability'

/** The fields of a book as commands take them: the one set of rules for every route. */
export const BookInput = {
  title: Text(1, 300),
  author: Text(1, 300),
  description: Text(1, 10_000, 'not blank'),
  type: BookTypeSchema,
  copies: Type.Integer({ minimum: 1, maximum: 100_000 }),
  isbn: Type.Union([
    Type.String({ maxLength: 20, description: 'ISBN-10 or -13, checksum verified' }),
    Type.Null(),
  ]),
  coverUrl: Type.Union([
    Type.String({
      format: 'uri',
      pattern: '^https?://',
      maxLength: 2000,
      description: 'an http(s) URL',
    }),
    Type.Null(),
  ]),
}

const respond = (status: number) => (r: BookResult) => ({
  statusCode: status,
  body: { ...r.book, position: encodePosition(r.position) },
})

export const bookRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  const db = deps.database.db

  app.get(
    '/api/books',
    {
      config: { auth: 'anyone', readModel, ownWritesInRead: true },
      schema: {
        tags: ['books'],
        summary: 'List books with their availability',
        querystring: Type.Object(
          {
            type: Type.Optional(BookTypeSchema),
            q: Type.Optional(Text(0, 200, 'in the title or author')),
            available: Type.Optional(
              Type.Boolean({ description: 'only books with a copy on the shelf' }),
            ),
            ...CursorQuery,
            ...MinPositionQuery,
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            items: Type.Array(BookSchema),
            nextCursor: Type.Union([Type.String(), Type.Null()]),
          }),
          ...problems(400, 503),
        },
      },
    },
    async (request) => {
      const { type, q, available, limit = 20, cursor } = request.query
      const after = decodeCursor(cursor, [textPart, uuidPart])
      const rows = await listBooks(db, { type, q, available, after, limit }, request.readRows)
      return page(rows, limit, (b) => [b.title, b.id])
    },
  )

  app.get(
    '/api/books/:id',
    {
      config: { auth: 'anyone', readModel, ownWritesInRead: true },
      schema: {
        tags: ['books'],
        summary: 'One book with its availability',
        params: IdParams,
        querystring: Type.Object({ ...MinPositionQuery }, { additionalProperties: false }),
        response: { 200: BookSchema, ...problems(400, 404, 503) },
      },
    },
    async (request) => {
      const book = await getBook(db, request.params.id, request.readRows)
      if (!book) throw new DomainError('BOOK_NOT_FOUND', `No book ${request.params.id}`)
      return book
    },
  )

  app.post(
    '/api/books',
    {
      config: { auth: 'staff' },
      schema: {
        tags: ['books'],
        summary: 'Add a book (staff)',
        headers: IdempotencyHeaders,
        body: Type.Object(
          {
            ...BookInput,
            copies: Type.Optional({ ...BookInput.copies, default: 1 }),
            isbn: Type.Optional(BookInput.isbn),
            coverUrl: Type.Optional(BookInput.coverUrl),
          },
          {
            additionalProperties: false,
            examples: [
              {
                title: 'The Left Hand of Darkness',
                author: 'Ursula K. Le Guin',
                description: 'An envoy on a planet of ambisexual people.',
                type: 'fiction',
                copies: 3,
              },
            ],
          },
        ),
        response: { 201: withPosition(BookSchema), ...problems(400, 401, 403, 409, 422) },
      },
    },
    async (request, reply) => {
      const { copies = 1, ...rest } = request.body
      return sendIdempotent(db, request, reply, respond(201), (options) =>
        addBook(deps.commands, { ...rest, copies }, meta(request), options),
      )
    },
  )

  app.patch(
    '/api/books/:id',
    {
      config: { auth: 'staff' },
      schema: {
        tags: ['books'],
        summary: 'Change a book or its number of copies (staff)',
        headers: IdempotencyHeaders,
        params: IdParams,
        body: Type.Object(
          {
            title: Type.Optional(BookInput.title),
            author: Type.Optional(BookInput.author),
            description: Type.Optional(BookInput.description),
            type: Type.Optional(BookInput.type),
            copies: Type.Optional(BookInput.copies),
            isbn: Type.Optional(BookInput.isbn),
            coverUrl: Type.Optional(BookInput.coverUrl),
          },
          { additionalProperties: false, minProperties: 1, examples: [{ copies: 5 }] },
        ),
        response: { 200: withPosition(BookSchema), ...problems(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) =>
      sendIdempotent(db, request, reply, respond(200), (options) =>
        updateBook(deps.commands, request.params.id, request.body, meta(request), options),
      ),
  )
}
