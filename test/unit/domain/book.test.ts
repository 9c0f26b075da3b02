import t from 'tap'
import type { BookCommand, BookContext, BookEvent, BookState } from '../../../src/domain/index.js'
import {
  availableCopies,
  decideBook,
  evolveBook,
  initialBookState,
} from '../../../src/domain/index.js'
import { givenWhenThen } from '../../helpers/given-when-then.js'

const given = givenWhenThen<BookState, BookCommand, BookEvent, BookContext>({
  initialState: initialBookState,
  evolve: evolveBook,
  decide: decideBook,
})

const NOW = new Date('2026-03-02T10:00:00.000Z')
const ctx: BookContext = { now: NOW }
const at = NOW.toISOString()
const EARLIER = '2026-03-01T08:00:00.000Z'

const added = (copies = 2): BookEvent => ({
  type: 'BookAdded',
  data: {
    bookId: 'b1',
    title: 'Dune',
    author: 'Frank Herbert',
    description: 'Spice',
    bookType: 'novel',
    copies,
    addedAt: EARLIER,
  },
})
const rented = (rentalId: string, userId = 'u1'): BookEvent => ({
  type: 'BookRented',
  data: { rentalId, bookId: 'b1', userId, plan: 'v3', rentedAt: EARLIER },
})
const returned = (rentalId: string, userId = 'u1'): BookEvent => ({
  type: 'BookReturned',
  data: { rentalId, bookId: 'b1', userId, returnedAt: EARLIER },
})
const addBook = (over: Partial<Extract<BookCommand, { type: 'AddBook' }>> = {}): BookCommand => ({
  type: 'AddBook',
  bookId: 'b1',
  title: 'Dune',
  author: 'Frank Herbert',
  description: 'Spice',
  bookType: 'novel',
  copies: 2,
  ...over,
})
const rent = (rentalId: string, userId = 'u1'): BookCommand => ({
  type: 'RentBook',
  rentalId,
  bookId: 'b1',
  userId,
  plan: 'v3',
})

t.test('AddBook', async (t) => {
  const state = given([])
    .when(addBook({ title: '  Dune ', author: ' Frank Herbert\n' }), ctx)
    .thenEvents(t, [{ ...added(), data: { ...added().data, addedAt: at } } as BookEvent])
  t.strictSame(state?.openRentals, {}, 'no rentals yet')
  t.equal(availableCopies(state), 2)
  given([added()]).when(addBook(), ctx).thenError(t, 'BOOK_ALREADY_EXISTS')
  given([])
    .when(addBook({ title: '   ' }), ctx)
    .thenError(t, 'INVALID_BOOK')
  given([])
    .when(addBook({ author: '' }), ctx)
    .thenError(t, 'INVALID_BOOK')
  given([])
    .when(addBook({ bookType: 'comic' as 'novel' }), ctx)
    .thenError(t, 'INVALID_BOOK')
  for (const copies of [0, -1, 1.5, Number.NaN]) {
    given([]).when(addBook({ copies }), ctx).thenError(t, 'INVALID_COPIES')
  }
  given([])
    .when(addBook({ copies: 1 }), ctx)
    .thenEvents(t, [{ ...added(1), data: { ...added(1).data, addedAt: at } } as BookEvent])
})

t.test('UpdateBook', async (t) => {
  const update = (
    fields: Omit<Extract<BookCommand, { type: 'UpdateBook' }>, 'type' | 'bookId'>,
  ): BookCommand => ({ type: 'UpdateBook', bookId: 'b1', ...fields })

  const state = given([added()])
    .when(update({ title: ' Dune Messiah ', bookType: 'fiction' }), ctx)
    .thenEvents(t, [
      {
        type: 'BookUpdated',
        data: { bookId: 'b1', title: 'Dune Messiah', bookType: 'fiction', updatedAt: at },
      },
    ])
  t.equal(state?.title, 'Dune Messiah')
  t.equal(state?.bookType, 'fiction')
  t.equal(state?.author, 'Frank Herbert', 'untouched fields stay')

  given([added()])
    .when(update({ title: 'Dune', author: 'Frank Herbert ', description: 'Spice' }), ctx)
    .thenEvents(t, [])
  given([added()]).when(update({}), ctx).thenEvents(t, [])
  given([added()])
    .when(update({ title: 'Dune', description: 'Sand' }), ctx)
    .thenEvents(t, [
      { type: 'BookUpdated', data: { bookId: 'b1', description: 'Sand', updatedAt: at } },
    ])
  given([])
    .when(update({ title: 'X' }), ctx)
    .thenError(t, 'BOOK_NOT_FOUND')
  given([added()])
    .when(update({ title: ' ' }), ctx)
    .thenError(t, 'INVALID_BOOK')
  given([added()])
    .when(update({ author: '' }), ctx)
    .thenError(t, 'INVALID_BOOK')
  given([added()])
    .when(update({ bookType: 'comic' as 'novel' }), ctx)
    .thenError(t, 'INVALID_BOOK')
})

t.test('ChangeCopies', async (t) => {
  const change = (copies: number): BookCommand => ({ type: 'ChangeCopies', bookId: 'b1', copies })
  const state = given([added(2)])
    .when(change(5), ctx)
    .thenEvents(t, [
      { type: 'BookCopiesChanged', data: { bookId: 'b1', copies: 5, changedAt: at } },
    ])
  t.equal(state?.copies, 5)
  given([added(2)])
    .when(change(2), ctx)
    .thenEvents(t, [])
  given([added(3), rented('r1'), rented('r2')])
    .when(change(2), ctx)
    .thenEvents(t, [
      { type: 'BookCopiesChanged', data: { bookId: 'b1', copies: 2, changedAt: at } },
    ])
  given([added(3), rented('r1'), rented('r2')])
    .when(change(1), ctx)
    .thenError(t, 'COPIES_BELOW_RENTED')
  given([added(3), rented('r1'), rented('r2'), returned('r2')])
    .when(change(1), ctx)
    .thenEvents(t, [
      { type: 'BookCopiesChanged', data: { bookId: 'b1', copies: 1, changedAt: at } },
    ])
  for (const copies of [0, -3, 2.5]) {
    given([added()]).when(change(copies), ctx).thenError(t, 'INVALID_COPIES')
  }
  given([]).when(change(3), ctx).thenError(t, 'BOOK_NOT_FOUND')
})

t.test('RentBook', async (t) => {
  const state = given([added(2)])
    .when(rent('r1', 'u7'), ctx)
    .thenEvents(t, [
      {
        type: 'BookRented',
        data: { rentalId: 'r1', bookId: 'b1', userId: 'u7', plan: 'v3', rentedAt: at },
      },
    ])
  t.strictSame(state?.openRentals, { r1: 'u7' })
  t.equal(availableCopies(state), 1)

  given([added(2), rented('r1')])
    .when(rent('r2'), ctx)
    .thenEvents(t, [
      {
        type: 'BookRented',
        data: { rentalId: 'r2', bookId: 'b1', userId: 'u1', plan: 'v3', rentedAt: at },
      },
    ])
  given([added(2), rented('r1'), rented('r2')])
    .when(rent('r3'), ctx)
    .thenError(t, 'NO_COPY_AVAILABLE')
  given([added(1), rented('r1'), returned('r1')])
    .when(rent('r2'), ctx)
    .thenEvents(t, [
      {
        type: 'BookRented',
        data: { rentalId: 'r2', bookId: 'b1', userId: 'u1', plan: 'v3', rentedAt: at },
      },
    ])
  given([
    added(2),
    rented('r1'),
    { type: 'BookCopiesChanged', data: { bookId: 'b1', copies: 1, changedAt: EARLIER } },
  ])
    .when(rent('r2'), ctx)
    .thenError(t, 'NO_COPY_AVAILABLE')
  given([added(2), rented('r1')])
    .when(rent('r1'), ctx)
    .thenError(t, 'CONFLICT')
  given([]).when(rent('r1'), ctx).thenError(t, 'BOOK_NOT_FOUND')
})

t.test('ReturnBook', async (t) => {
  const ret = (rentalId: string): BookCommand => ({ type: 'ReturnBook', rentalId, bookId: 'b1' })
  const state = given([added(2), rented('r1', 'u7'), rented('r2')])
    .when(ret('r1'), ctx)
    .thenEvents(t, [
      {
        type: 'BookReturned',
        data: { rentalId: 'r1', bookId: 'b1', userId: 'u7', returnedAt: at },
      },
    ])
  t.strictSame(state?.openRentals, { r2: 'u1' })
  given([added(2), rented('r1'), returned('r1')])
    .when(ret('r1'), ctx)
    .thenError(t, 'RENTAL_NOT_FOUND')
  given([added(2)])
    .when(ret('nope'), ctx)
    .thenError(t, 'RENTAL_NOT_FOUND')
  given([added(2)])
    .when(ret('constructor'), ctx)
    .thenError(t, 'RENTAL_NOT_FOUND')
  given([]).when(ret('r1'), ctx).thenError(t, 'BOOK_NOT_FOUND')
})

t.test('evolveBook refuses events that do not fit the stream', async (t) => {
  t.throws(() => evolveBook(null, rented('r1')), /book does not exist/)
  t.throws(() => evolveBook(evolveBook(null, added()), added()), /already exists/)
  t.throws(() => evolveBook(evolveBook(null, added()), { type: 'Nope' } as unknown as BookEvent))
})

t.test('decideBook rejects an unknown command', async (t) => {
  t.throws(() => decideBook({ type: 'BurnBook' } as unknown as BookCommand, null, ctx))
})
