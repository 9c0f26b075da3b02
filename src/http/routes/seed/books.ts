// Books on the old service's /api/<version>/books/ paths, over the catalogue's commands (add,
// update, retire) and the book-availability read model. The version changes nothing for books.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { getBook, listBooks } from '../../../../projections/book-availability/queries.js'
import { retireBook } from '../../../commands/book-lifecycle.js'
import { addBook, type BookResult, updateBook } from '../../../commands/books.js'
import { DomainError } from '../../../domain/errors.js'
import type { AppDeps } from '../../deps.js'
import { sendIdempotent } from '../../idempotency.js'
import { MinPositionQuery } from '../../plugins/consistency.js'
import { Text, withPosition } from '../../schemas.js'
import { BookInput } from '../books.js'
import { IdempotencyHeaders, meta } from '../command-meta.js'
import { oldProblems } from './old-errors.js'
import {
  answering,
  BOOK_TYPE_OF,
  BookTypeCode,
  everyPage,
  OldId,
  SeedBook,
  tags,
  toSeedBook,
  uuidOr404,
  Version,
} from './shapes.js'

const readModel = 'book-availability'
const BookParams = Type.Object({ version: Version, id: OldId }, { additionalProperties: false })

/** The old model's fields and limits: name ≤ 50, description ≤ 500, author ≤ 100, none blank. */
const OldBookFields = {
  name: Text(1, 50, 'the title: at most 50 characters, not blank'),
  description: Text(1, 500, 'at most 500 characters, not blank'),
  author: Text(1, 100, 'at most 100 characters, not blank'),
  book_type: { ...BookTypeCode, default: 1 },
  image: { ...BookInput.coverUrl, description: 'the cover: an http(s) URL, or null for none' },
}

const answer = (statusCode: number) => answering(statusCode, (r: BookResult) => toSeedBook(r.book))

export const seedBookRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (
  app,
  { deps },
) => {
  const db = deps.database.db
  const bookId = (id: string) => uuidOr404(id, 'BOOK_NOT_FOUND', 'book')

  app.get(
    '/api/:version/books/',
    {
      config: { auth: 'anyone', readModel, ownWritesInRead: true },
      schema: {
        tags,
        summary: 'Every book (the old book list)',
        description:
          'Every book in the catalogue, by title, in the old shape (`name` is the title, `image` ' +
          'the cover’s URL or null). `name` and `author` keep the books whose title or author ' +
          'contains them (any case), `book_type` those of that type; an empty parameter filters ' +
          'nothing, and `description` (which the old catalogue page sent) is ignored. Unpaginated ' +
          'as before; new clients page through GET /api/books, which also tells availability. ' +
          'Retired (deleted) books are left out.',
        params: Type.Object({ version: Version }, { additionalProperties: false }),
        querystring: Type.Object(
          {
            name: Type.Optional(Text(0, 200, 'in the title, any case')),
            author: Type.Optional(Text(0, 200, 'in the author, any case')),
            book_type: Type.Optional(
              Type.String({ pattern: '^[123]?$', description: '1, 2 or 3; empty: every type' }),
            ),
            description: Type.Optional(Text(0, 500, 'ignored, as the old service ignored it')),
            ...MinPositionQuery,
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Array(SeedBook), ...oldProblems(400, 503) },
      },
    },
    async (request) => {
      const { name, author, book_type } = request.query
      const type = book_type ? BOOK_TYPE_OF[Number(book_type) as 1 | 2 | 3] : undefined
      const books = await everyPage(
        (after: readonly [string, string] | undefined, limit) =>
          listBooks(db, { title: name, author, type, after, limit }, request.readRows),
        (b) => [b.title, b.id] as const,
      )
      return books.map(toSeedBook)
    },
  )

  app.post(
    '/api/:version/books/',
    {
      config: { auth: 'staff' },
      schema: {
        tags,
        summary: 'Add a book (staff)',
        description:
          'Adds a book with one copy, as POST /api/books does (change its copies there). ' +
          'Answers 201 with the book in the old shape and `position`. The old model’s limits ' +
          'apply; a book of the same title and author is 400 `{name: [...]}`. Changed from the ' +
          'old service, which let anyone write books: staff only.',
        headers: IdempotencyHeaders,
        params: Type.Object({ version: Version }, { additionalProperties: false }),
        body: Type.Object(
          {
            ...OldBookFields,
            book_type: Type.Optional(OldBookFields.book_type),
            image: Type.Optional(OldBookFields.image),
          },
          { additionalProperties: false },
        ),
        response: { 201: withPosition(SeedBook), ...oldProblems(400, 401, 403, 422) },
      },
    },
    async (request, reply) => {
      const { name, description, author, book_type = 1, image } = request.body
      const book = {
        title: name,
        author,
        description,
        type: BOOK_TYPE_OF[book_type],
        copies: 1,
        ...(image !== undefined && { coverUrl: image }),
      }
      return sendIdempotent(db, request, reply, answer(201), (options) =>
        addBook(deps.commands, book, meta(request), options),
      )
    },
  )

  app.get(
    '/api/:version/books/:id',
    {
      config: { auth: 'anyone', readModel, ownWritesInRead: true },
      schema: {
        tags,
        summary: 'One book, as a one-element list',
        description: 'An unknown id, or a retired (deleted) book, is 404.',
        params: BookParams,
        querystring: Type.Object({ ...MinPositionQuery }, { additionalProperties: false }),
        response: { 200: Type.Array(SeedBook), ...oldProblems(400, 404, 503) },
      },
    },
    async (request) => {
      const id = bookId(request.params.id)
      const book = await getBook(db, id, request.readRows)
      if (!book || book.retired) throw new DomainError('BOOK_NOT_FOUND', `No book ${id}`)
      return [toSeedBook(book)]
    },
  )

  app.route({
    method: ['PUT', 'PATCH'],
    url: '/api/:version/books/:id/update',
    config: { auth: 'staff' },
    schema: {
      tags,
      summary: 'Change a book (staff)',
      description:
        'PUT and PATCH alike change the fields sent, as PATCH /api/books/{id} does, with the ' +
        'old model’s limits. A retired book changes no more (409). Changed from the old ' +
        'service, which let anyone write books: staff only.',
      headers: IdempotencyHeaders,
      params: BookParams,
      body: Type.Object(
        {
          name: Type.Optional(OldBookFields.name),
          description: Type.Optional(OldBookFields.description),
          author: Type.Optional(OldBookFields.author),
          book_type: Type.Optional(BookTypeCode),
          image: Type.Optional(OldBookFields.image),
        },
        { additionalProperties: false },
      ),
      response: { 200: withPosition(SeedBook), ...oldProblems(400, 401, 403, 404, 409, 422) },
    },
    handler: async (request, reply) => {
      const id = bookId(request.params.id)
      const { name, description, author, book_type, image } = request.body
      const changes = {
        ...(name !== undefined && { title: name }),
        ...(description !== undefined && { description }),
        ...(author !== undefined && { author }),
        ...(book_type !== undefined && { type: BOOK_TYPE_OF[book_type] }),
        ...(image !== undefined && { coverUrl: image }),
      }
      return sendIdempotent(db, request, reply, answer(200), (options) =>
        updateBook(deps.commands, id, changes, meta(request), options),
      )
    },
  })

  app.delete(
    '/api/:version/books/:id/delete',
    {
      config: { auth: 'staff' },
      schema: {
        tags,
        summary: 'Delete a book: it is retired (staff)',
        description:
          'Retires the book, as DELETE /api/books/{id} does: it leaves the listings and cannot ' +
          'be rented; its history stays in the log. 204, also for a book already retired; 409 ' +
          'while copies are out on rental. Changed from the old service, which let anyone ' +
          'delete books, and erased them: staff only, and nothing is erased.',
        headers: IdempotencyHeaders,
        params: BookParams,
        response: {
          204: Type.Null({ description: 'retired' }),
          ...oldProblems(400, 401, 403, 404, 409, 422),
        },
      },
    },
    async (request, reply) => {
      const id = bookId(request.params.id)
      return sendIdempotent(db, request, reply, noContent, (options) =>
        retireBook(deps.commands, id, meta(request), options),
      )
    },
  )
}

export const noContent = () => ({ statusCode: 204, body: null })
