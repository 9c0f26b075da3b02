// GET /api/live: the read models' progress as Server-Sent Events, from a listening server.
import t from 'tap'
import { forEachApp } from '../helpers/app.js'

interface LiveEvent {
  projection: string
  position: string
}

/** Reads `progress` events from the stream until `until` holds, or fails after a deadline. */
async function readUntil(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  seen: LiveEvent[],
  until: (events: LiveEvent[]) => boolean,
  deadlineMs = 10_000,
): Promise<void> {
  const decoder = new TextDecoder()
  let buffer = ''
  const deadline = Date.now() + deadlineMs
  while (!until(seen)) {
    if (Date.now() > deadline) throw new Error(`no such event within ${deadlineMs} ms`)
    const { value, done } = await reader.read()
    if (done) throw new Error('the stream ended')
    buffer += decoder.decode(value, { stream: true })
    const frames = buffer.split('\n\n')
    buffer = frames.pop() ?? ''
    for (const frame of frames) {
      const data = frame.split('\n').find((l) => l.startsWith('data: '))
      if (frame.includes('event: progress') && data) seen.push(JSON.parse(data.slice(6)))
    }
  }
}

forEachApp(t, async (t, { app, user, addBook }) => {
  const address = await app.listen({ port: 0, host: '127.0.0.1' })

  await t.test('a listener hears every read model, then each advance', async (t) => {
    const res = await fetch(`${address}/api/live`)
    t.equal(res.status, 200)
    t.match(res.headers.get('content-type'), /^text\/event-stream/)
    t.equal(res.headers.get('cache-control'), 'no-store')
    const reader = res.body!.getReader()
    const seen: LiveEvent[] = []
    await readUntil(reader, seen, (s) => s.length >= 2)
    t.same(seen.map((e) => e.projection).sort(), ['book-availability', 'user-balances'])

    const staff = await user('staff')
    const { position } = await addBook(staff, { title: 'Heard live' })
    await readUntil(reader, seen, (s) =>
      s.some((e) => e.projection === 'book-availability' && e.position === position),
    )
    t.pass('the book-availability event carries the position of the command')
    await reader.cancel()
  })

  await t.test('the OpenAPI document describes the stream', async (t) => {
    const doc = (await app.inject({ url: '/docs/json' })).json()
    const content = doc.paths['/api/live'].get.responses['200'].content
    t.ok(content['text/event-stream'].schema, 'a schema for the events')
  })

  await t.test('closing the server ends open streams instead of waiting for them', async (t) => {
    const res = await fetch(`${address}/api/live`)
    const reader = res.body!.getReader()
    await readUntil(reader, [], () => false, 0).catch(() => {})
    await app.close()
    let done = false
    while (!done) done = (await reader.read()).done
    t.ok(done, 'the stream ended when the server closed')
  })
})
