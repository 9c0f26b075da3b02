import { randomUUID } from 'node:crypto'
import {
  type AccountState,
  decideAccount,
  evolveAccount,
  initialAccountState,
} from '../domain/account.js'
import { type BookState, decideBook, evolveBook, initialBookState } from '../domain/book.js'
import { DomainError } from '../domain/errors.js'
import { accountStreamId, bookStreamId } from '../domain/events.js'
import { chargeAt, type Plan } from '../domain/pricing.js'
import type { RentalView } from '../domain/views.js'
import type { EventMetadata } from '../eventstore/append.js'
import type { Position } from '../eventstore/position.js'
import { type Actor, type CommandDeps, type CommandOptions, executeCommand } from './execute.js'
import { forgetRentalPlace, keepRentalPlace, rentalPlace } from './rental-places.js'
import { appendFor } from './streams.js'

export type { RentalView } from '../domain/views.js'

export interface RentalResult {
  rental: RentalView
  position: Position
}

export function rentBook(
  deps: CommandDeps,
  input: { bookId: string; userId: string; plan?: Plan },
  metadata: EventMetadata,
  options?: CommandOptions<RentalResult>,
): Promise<RentalResult> {
  const rentalId = randomUUID()
  const plan = input.plan ?? deps.plan
  const bookStream = bookStreamId(input.bookId)
  const accountStream = accountStreamId(input.userId)
  const rented = executeCommand(
    deps,
    'RentBook',
    {
      streams: [bookStream, accountStream],
      decide: (streams, now) => {
        const book = streams.get(bookStream, initialBookState)
        const account = streams.get(accountStream, initialAccountState)
        const bookEvents = decideBook(
          { type: 'RentBook', rentalId, bookId: input.bookId, userId: input.userId, plan },
          book.state,
          { now },
        )
        const bookType = (book.state as NonNullable<BookState>).bookType
        const accountEvents = decideAccount(
          { type: 'OpenRental', rentalId, bookId: input.bookId, bookType, plan },
          account.state,
          { now, limits: deps.limits },
        )
        const rental: RentalView = {
          id: rentalId,
          bookId: input.bookId,
          userId: input.userId,
          plan,
          rentedAt: now.toISOString(),
          returnedAt: null,
          // An open rental costs what it would if returned now: the first day already.
          chargeCents: chargeAt(plan, bookType, now, now).chargeCents,
        }
        return {
          appends: [
            appendFor(book, bookEvents, evolveBook, metadata),
            appendFor(account, accountEvents, evolveAccount, metadata),
          ],
          also: [
            deps.db
              .insertInto('rental_streams')
              .values({ rental_id: rentalId, book_id: input.bookId, user_id: input.userId }),
          ],
          result: (position) => ({ rental, position }),
        }
      },
    },
    options,
  )
  return rented.then((r) => {
    keepRentalPlace(deps.db, r.rental.id, { book_id: r.rental.bookId, user_id: r.rental.userId })
    return r
  })
}

export function returnBook(
  deps: CommandDeps,
  input: { rentalId: string; actor: Actor },
  metadata: EventMetadata,
  options?: CommandOptions<RentalResult>,
): Promise<RentalResult> {
  const returned = executeCommand(
    deps,
    'ReturnBook',
    async (db) => {
      const where = await rentalPlace(db, input.rentalId)
      if (!where) throw new DomainError('RENTAL_NOT_FOUND', `No rental ${input.rentalId}`)
      if (input.actor.role !== 'staff' && input.actor.userId !== where.user_id) {
        throw new DomainError('NOT_RENTER', 'Only the renter or staff may return this rental')
      }
      const bookStream = bookStreamId(where.book_id)
      const accountStream = accountStreamId(where.user_id)
      return {
        streams: [bookStream, accountStream],
        decide: (streams, now) => {
          const book = streams.get(bookStream, initialBookState)
          const account = streams.get(accountStream, initialAccountState)
          // The rental exists (it has a row) but is no longer among the account's open rentals.
          const openRentals = (account.state as AccountState)?.openRentals ?? {}
          if (!Object.hasOwn(openRentals, input.rentalId)) {
            throw new DomainError(
              'RENTAL_ALREADY_RETURNED',
              `Rental ${input.rentalId} was already returned`,
            )
          }
          const bookEvents = decideBook(
            { type: 'ReturnBook', rentalId: input.rentalId, bookId: where.book_id },
            book.state,
            { now },
          )
          const accountEvents = decideAccount(
            { type: 'CloseRental', rentalId: input.rentalId },
            account.state,
            { now, limits: deps.limits },
          )
          const closed = accountEvents[0]
          if (closed?.type !== 'RentalClosed')
            throw new Error('CloseRental decided no RentalClosed')
          const d = closed.data
          const open = openRentals[input.rentalId]!
          const rental: RentalView = {
            id: d.rentalId,
            bookId: d.bookId,
            userId: d.userId,
            plan: open.plan,
            rentedAt: d.rentedAt,
            returnedAt: d.returnedAt,
            chargeCents: d.chargeCents,
          }
          return {
            appends: [
              appendFor(book, bookEvents, evolveBook, metadata),
              appendFor(account, accountEvents, evolveAccount, metadata),
            ],
            result: (position) => ({ rental, position }),
          }
        },
      }
    },
    options,
  )
  return returned.then((r) => {
    forgetRentalPlace(deps.db, input.rentalId)
    return r
  })
}
