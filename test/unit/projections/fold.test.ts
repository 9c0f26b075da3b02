// The projections' batch folds: a batch's net effect must be what applying its events one at a
// time would leave. (The integration tests compare whole read models with a rebuild as well.)
import t from 'tap'
import { foldBooks } from '../../../projections/book-availability/apply.js'
import { foldBalances } from '../../../projections/user-balances/apply.js'

const BOOK = '00000000-0000-4000-8000-000000000001'
const OLD_BOOK = '00000000-0000-4000-8000-000000000002'
const USER = '00000000-0000-4000-8000-00000000000a'
const OTHER = '00000000-0000-4000-8000-00000000000b'

t.test('books: a book added in the batch is inserted in its final state', async (t) => {
  const { added, changed } = foldBooks([
    {
      kind: 'insert',
      row: {
        bookId: BOOK,
        title: 'Dune',
        author: 'Frank Herbert',
        description: '',
        bookType: 'fiction',
        copies: 2,
        addedAt: '2026-01-01T00:00:00.000Z',
      },
    },
    { kind: 'out', bookId: BOOK, delta: 1 },
    { kind: 'update', bookId: BOOK, set: { copies: 5, title: 'Dune (1965)' } },
    { kind: 'out', bookId: BOOK, delta: 1 },
    { kind: 'out', bookId: BOOK, delta: -1 },
  ])
  t.same(changed, [])
  t.same(added, [
    {
      book_id: BOOK,
      title: 'Dune (1965)',
      author: 'Frank Herbert',
      description: '',
      book_type: 'fiction',
      copies: 5,
      copies_out: 1,
      added_at: '2026-01-01T00:00:00.000Z',
      isbn: null,
      cover_url: null,
      cover_sha256: null,
      retired: false,
    },
  ])
})

t.test('books: changes to an older book merge, the last value of each field wins', async (t) => {
  const { added, changed } = foldBooks([
    { kind: 'out', bookId: OLD_BOOK, delta: 1 },
    { kind: 'update', bookId: OLD_BOOK, set: { author: 'A' } },
    { kind: 'update', bookId: OLD_BOOK, set: { author: 'B', description: 'd' } },
    { kind: 'out', bookId: OLD_BOOK, delta: 1 },
    { kind: 'out', bookId: OLD_BOOK, delta: -1 },
  ])
  t.same(added, [])
  t.same(changed, [
    {
      book_id: OLD_BOOK,
      title: null,
      author: 'B',
      description: 'd',
      book_type: null,
      copies: null,
      isbn: null,
      cover_url: null,
      cover_sha256: null,
      retired: null,
      set_isbn: false,
      set_cover: false,
      out_delta: 1,
    },
  ])
})

t.test(
  'balances: postings sum in integer cents, per user, with the latest time; new accounts carry theirs',
  async (t) => {
    const rental = {
      rentalId: '00000000-0000-4000-8000-0000000000f1',
      bookId: OLD_BOOK,
      userId: USER,
      plan: 'v2' as const,
      bookType: 'novel' as const,
      rentedAt: '2026-01-01T00:00:00.000Z',
    }
    const batch = foldBalances([
      { kind: 'account', userId: OTHER },
      { kind: 'rentalOpened', rental },
      {
        kind: 'rentalClosed',
        rentalId: rental.rentalId,
        userId: USER,
        returnedAt: '2026-01-03T00:00:00.000Z',
        chargeCents: 450,
      },
      {
        kind: 'rentalClosed',
        rentalId: '00000000-0000-4000-8000-0000000000f2',
        userId: USER,
        returnedAt: '2026-01-02T00:00:00.000Z',
        chargeCents: 150,
      },
      {
        kind: 'payment',
        payment: {
          paymentId: '00000000-0000-4000-8000-0000000000e1',
          userId: OTHER,
          amountCents: 1000,
          reference: null,
          recordedAt: '2026-01-04T00:00:00.000Z',
        },
      },
    ])
    t.equal(batch.opened.length, 1)
    t.match(batch.opened[0], {
      rental_id: rental.rentalId,
      returned_at: '2026-01-03T00:00:00.000Z',
      charge_cents: 450,
    })
    t.same(batch.closed, [
      {
        rental_id: '00000000-0000-4000-8000-0000000000f2',
        returned_at: '2026-01-02T00:00:00.000Z',
        charge_cents: 150,
      },
    ])
    t.equal(batch.payments.length, 1)
    t.same(
      batch.postings,
      [
        {
          user_id: USER,
          charged_cents: 600,
          paid_cents: 0,
          last_posted_at: '2026-01-03T00:00:00.000Z',
        },
      ],
      'postings to accounts from before the batch',
    )
    t.same(
      batch.accounts,
      [
        {
          user_id: OTHER,
          charged_cents: 0,
          paid_cents: 1000,
          last_posted_at: '2026-01-04T00:00:00.000Z',
        },
      ],
      'an account registered in the batch is added with what the batch posts to it',
    )
  },
)
