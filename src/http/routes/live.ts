// Server-Sent Events of the read models' progress, for pages that stay current without polling:
// whenever a projection applies a batch (in this process or, via its NOTIFY, in any other), each
// listener hears `{projection, position}` and re-reads what that read model serves. It carries no
// data of anyone's, only how far each read model has got, so anyone may listen.
import { PassThrough } from 'node:stream'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { PROJECTIONS } from '../../../projections/index.js'
import { encodePosition, type Position } from '../../eventstore/position.js'
import type { AppDeps } from '../deps.js'

/** Advances arriving closer together than this reach a listener as one event per projection. */
export const LIVE_COALESCE_MS = 50
const HEARTBEAT_MS = 15_000

export const LiveEventSchema = Type.Object(
  {
    projection: Type.String({ examples: ['book-availability', 'user-balances'] }),
    position: Type.String({ description: 'the read model has applied the log up to here' }),
  },
  { $id: 'LiveEvent' },
)

const description =
  'A `text/event-stream`: on connecting, one `progress` event per read model with its position, ' +
  'then one whenever it applies more of the log (coalesced over ' +
  `${LIVE_COALESCE_MS} ms). Each event's data is a LiveEvent as JSON. A comment line every ` +
  `${HEARTBEAT_MS / 1000} s keeps proxies from closing an idle stream.`

const frame = (projection: string, position: Position) =>
  `event: progress\ndata: ${JSON.stringify({ projection, position: encodePosition(position) })}\n\n`

export const liveRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  const { progress } = deps
  const open = new Set<PassThrough>()
  // Open streams would keep the server from closing: end them first.
  app.addHook('preClose', async () => {
    for (const stream of open) stream.end()
  })

  app.get(
    '/api/live',
    {
      config: { auth: 'anyone' },
      schema: {
        tags: ['operations'],
        summary: "Live: the read models' progress as Server-Sent Events",
        description,
        response: {
          200: {
            description,
            content: { 'text/event-stream': { schema: LiveEventSchema } },
          },
        },
      },
    },
    async (request, reply) => {
      const stream = new PassThrough()
      open.add(stream)
      const pending = new Map<string, Position>()
      let timer: NodeJS.Timeout | undefined
      const flush = () => {
        timer = undefined
        for (const [name, position] of pending) stream.write(frame(name, position))
        pending.clear()
      }
      const unsubscribe = progress.onAdvance((name, position) => {
        pending.set(name, position)
        timer ??= setTimeout(flush, LIVE_COALESCE_MS)
      })
      const heartbeat = setInterval(() => stream.write(': still here\n\n'), HEARTBEAT_MS)
      const stop = () => {
        unsubscribe()
        clearTimeout(timer)
        clearInterval(heartbeat)
        open.delete(stream)
        stream.end()
      }
      request.raw.once('close', stop)
      stream.once('close', stop)
      stream.write('retry: 1000\n\n')
      for (const { name } of PROJECTIONS) stream.write(frame(name, progress.position(name)))
      return (
        reply
          .header('content-type', 'text/event-stream; charset=utf-8')
          .header('cache-control', 'no-store')
          .header('x-accel-buffering', 'no')
          // Not kept alive afterwards: a stream ended by a closing server leaves no socket behind.
          .header('connection', 'close')
          .send(stream as never)
      )
    },
  )
}
