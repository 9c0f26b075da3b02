// A book's cover upload and its retirement, beside the catalogue edits of ./books.ts.
import { createHash } from 'node:crypto'
import type { Compilable } from 'kysely'
import { type BookState, decideBook, evolveBook, initialBookState } from '../domain/book.js'
import { bookStreamId } from '../domain/events.js'
import type { EventMetadata } from '../eventstore/append.js'
import { type BookResult, bookView } from './books.js'
import { type CommandDeps, type CommandOptions, executeCommand } from './execute.js'
import { appendFor } from './streams.js'

export type CoverType = 'image/png' | 'image/jpeg' | 'image/webp'

/** One book-stream command whose answer is the book as it stands after it. */
function bookCommand(
  deps: CommandDeps,
  name: string,
  bookId: string,
  command: Parameters<typeof decideBook>[0],
  metadata: EventMetadata,
  options: CommandOptions<BookResult> | undefined,
  also: Compilable[] = [],
): Promise<BookResult> {
  const stream = bookStreamId(bookId)
  return executeCommand<BookResult>(
    deps,
    name,
    {
      streams: [stream],
      decide: (streams, now) => {
        const book = streams.get(stream, initialBookState)
        const events = decideBook(command, book.state, { now })
        if (events.length === 0) {
          const state = book.state!
          return {
            unchangedAt: stream,
            result: (position) => ({ book: bookView(state), position }),
          }
        }
        const append = appendFor(book, events, evolveBook, metadata)
        const state = append.state as NonNullable<BookState>
        return {
          appends: [append],
          also,
          result: (position) => ({ book: bookView(state), position }),
        }
      },
    },
    options,
  )
}

/**
 * Stores the image content-addressed (its sha256; the same image twice is stored once) with the
 * BookCoverUploaded event that names it, in one statement.
 */
export function uploadCover(
  deps: CommandDeps,
  bookId: string,
  image: { bytes: Buffer; contentType: CoverType },
  metadata: EventMetadata,
  options?: CommandOptions<BookResult>,
): Promise<BookResult> {
  const sha256 = createHash('sha256').update(image.bytes).digest('hex')
  const { contentType } = image
  return bookCommand(
    deps,
    'UploadCover',
    bookId,
    { type: 'UploadCover', bookId, sha256, contentType },
    metadata,
    options,
    [
      deps.db
        .insertInto('book_covers')
        .values({ sha256, content_type: contentType, bytes: image.bytes })
        .onConflict((oc) => oc.column('sha256').doNothing()),
    ],
  )
}

/** Takes the book out of the catalogue for good; refused while copies are out (409). */
export function retireBook(
  deps: CommandDeps,
  bookId: string,
  metadata: EventMetadata,
  options?: CommandOptions<BookResult>,
): Promise<BookResult> {
  return bookCommand(deps, 'RetireBook', bookId, { type: 'RetireBook', bookId }, metadata, options)
}
