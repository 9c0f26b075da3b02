// Concurrent commands against the whole service: the invariants hold in the write transaction,
// whatever the interleaving.
import t from 'tap'
import { forEachApp } from '../helpers/app.js'

forEachApp(t, async (t, { app, user, addBook: addBookAs }) => {
  const staff = await user('staff')
  const addBook = (title: string, copies: number) =>
    addBookAs(staff, { title, author: 'Races Test', type: 'novel', copies })
  const available = async (bookId: string, position: string) =>
    (await app.inject({ url: `/api/books/${bookId}?minPosition=${position}` })).json().available

  await t.test('twenty users race for the last copy: exactly one wins', async (t) => {
    const book = await addBook('The Last Copy', 1)
    const racers = await Promise.all(Array.from({ length: 20 }, () => user()))
    const responses = await Promise.all(
      racers.map((r) =>
        app.inject({
          method: 'POST',
          url: '/api/rentals',
          headers: r.auth,
          payload: { bookId: book.id },
        }),
      ),
    )
    const won = responses.filter((r) => r.statusCode === 201)
    const lost = responses.filter((r) => r.statusCode === 409)
    t.equal(won.length, 1, 'one rental')
    t.equal(lost.length, 19, 'nineteen refusals')
    t.ok(
      lost.every((r) => r.json().code === 'NO_COPY_AVAILABLE'),
      'each refused for want of a copy',
    )
    t.equal(await available(book.id, won[0]!.json().position), 0)
  })

  // With one copy, the losers of the race also find no copy left: they must still replay.
  for (const copies of [3, 1]) {
    await t.test(
      `one Idempotency-Key sent ten times at once rents once (${copies} copies)`,
      async (t) => {
        const book = await addBook(`Retried Often ${copies}`, copies)
        const reader = await user()
        const send = (bookId: string) =>
          app.inject({
            method: 'POST',
            url: '/api/rentals',
            headers: { ...reader.auth, 'idempotency-key': 'rent-it-once' },
            payload: { bookId },
          })
        const responses = await Promise.all(Array.from({ length: 10 }, () => send(book.id)))
        t.same(
          responses.map((r) => r.statusCode),
          Array(10).fill(201),
          'every response is the 201',
        )
        const rentals = new Set(responses.map((r) => r.json().id))
        t.equal(rentals.size, 1, 'all name the same rental')
        const { position } = responses[0]!.json()
        const listed = await app.inject({
          url: `/api/rentals?minPosition=${position}`,
          headers: reader.auth,
        })
        t.same(
          listed.json().items.map((r: { id: string }) => r.id),
          [...rentals],
          'one rental exists',
        )
        t.equal(await available(book.id, position), copies - 1, 'one copy went out')

        const other = await addBook(`Another Book ${copies}`, 1)
        const reused = await send(other.id)
        t.equal(reused.statusCode, 422, 'the same key with another body')
        t.equal(reused.json().code, 'IDEMPOTENCY_KEY_REUSED')
        t.equal(await available(other.id, other.position), 1, 'and nothing was rented')
      },
    )
  }
})
