// Staff void a rental (the old DELETE of a rental): a compensating RentalVoided on the account
// (its charge no longer counts) and, while the copy is still out, BookRentalVoided on the book
// (the copy is back). Nothing is erased from the log. rental_voids makes it happen once.
import { sql } from 'kysely'
import { decideAccount, evolveAccount, initialAccountState } from '../domain/account.js'
import { decideBook, evolveBook, initialBookState } from '../domain/book.js'
import { DomainError } from '../domain/errors.js'
import { accountStreamId, bookStreamId } from '../domain/events.js'
import type { EventMetadata } from '../eventstore/append.js'
import type { Position } from '../eventstore/position.js'
import { type CommandDeps, type CommandOptions, executeCommand } from './execute.js'
import { appendFor } from './streams.js'

export interface VoidResult {
  rentalId: string
  position: Position
}

const voidedOnce = (rentalId: string) =>
  new DomainError('RENTAL_VOIDED', `Rental ${rentalId} was already voided`)

export function voidRental(
  deps: CommandDeps,
  input: { rentalId: string; voidedBy: string },
  metadata: EventMetadata,
  options?: CommandOptions<VoidResult>,
): Promise<VoidResult> {
  const { rentalId, voidedBy } = input
  return executeCommand(
    deps,
    'VoidRental',
    async (db) => {
      const where = await db
        .selectFrom('rental_streams')
        .leftJoin('rental_voids', 'rental_voids.rental_id', 'rental_streams.rental_id')
        .select(['rental_streams.book_id', 'rental_streams.user_id', 'rental_voids.voided_at'])
        .where('rental_streams.rental_id', '=', rentalId)
        .executeTakeFirst()
      if (!where) throw new DomainError('RENTAL_NOT_FOUND', `No rental ${rentalId}`)
      if (where.voided_at !== null) throw voidedOnce(rentalId)
      const bookStream = bookStreamId(where.book_id)
      const accountStream = accountStreamId(where.user_id)
      // The charge its return recorded, if it was returned: once in the log, it never changes.
      const closed = await db
        .selectFrom('events')
        .select(sql<number>`(data->>'chargeCents')::bigint`.as('charge'))
        .where('stream_id', '=', accountStream)
        .where('type', '=', 'RentalClosed')
        .where(sql<boolean>`data->>'rentalId' = ${rentalId}`)
        .executeTakeFirst()
      return {
        streams: [bookStream, accountStream],
        decide: (streams, now) => {
          const book = streams.get(bookStream, initialBookState)
          const account = streams.get(accountStream, initialAccountState)
          const bookEvents = decideBook(
            { type: 'VoidRental', rentalId, bookId: where.book_id },
            book.state,
            { now },
          )
          const accountEvents = decideAccount(
            {
              type: 'VoidRental',
              rentalId,
              bookId: where.book_id,
              closedChargeCents: closed ? Number(closed.charge) : null,
              voidedBy,
            },
            account.state,
            { now, limits: deps.limits },
          )
          return {
            appends: [
              ...(bookEvents.length > 0 ? [appendFor(book, bookEvents, evolveBook, metadata)] : []),
              appendFor(account, accountEvents, evolveAccount, metadata),
            ],
            also: [deps.db.insertInto('rental_voids').values({ rental_id: rentalId })],
            onUniqueViolation: (constraint) =>
              constraint.includes('rental_voids') ? voidedOnce(rentalId) : undefined,
            result: (position) => ({ rentalId, position }),
          }
        },
      }
    },
    options,
  )
}
