// Read-your-writes across an eventually consistent read model. A query route names the read model
// it reads (`config.readModel`); before its answer is read, the read model must have applied
// - `?minPosition=<token>` when given (another user's writes, or a client that keeps tokens), and
// - a signed-in caller's own last command, always (API.md): its log position is looked up by actor
//   (src/eventstore/actor-position.ts). Routes marked `ownWritesInRead` run that lookup in the
//   statement of their read (`request.readRows`, one round trip; the read is repeated only when the
//   read model was behind); any other route looks it up first, in a round trip of its own.
// Either wait is bounded (MIN_POSITION_WAIT_MS), then 503 with Retry-After. Answers carry the read
// model's position in X-Ledger-Position. A caller who is not signed in has no own writes: on those
// routes their reads are kept per read model and position (src/http/read-cache.ts).
import type { FastifyInstance, FastifyReply } from 'fastify'
import fp from 'fastify-plugin'
import { type Kysely, sql } from 'kysely'
import { Type } from 'typebox'
import { directRows, type ReadDef, type ReadRows, runStatement } from '../../db/reads.js'
import type { DB } from '../../db/tables.js'
import { DomainError } from '../../domain/errors.js'
import {
  actorLastPosition,
  lastPositionOf,
  parseLastPosition,
} from '../../eventstore/actor-position.js'
import { comparePositions, decodePosition, type Position } from '../../eventstore/position.js'
import type { ProjectionProgress } from '../../projector/progress.js'
import { ReadCache } from '../read-cache.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    readModel?: string
    /** The handler reads through `request.readRows`, which carries the caller's own-writes check. */
    ownWritesInRead?: boolean
  }
  interface FastifyRequest {
    /** Runs the route's read statement so that it reflects the caller's own writes. */
    readRows: ReadRows
  }
}

export const PositionToken = Type.String({
  pattern: '^[0-9a-f]{32}$',
  description: 'a `position` from a command response (an opaque token)',
})

/** Add to a query route's querystring schema. */
export const MinPositionQuery = {
  minPosition: Type.Optional({
    ...PositionToken,
    description: 'answer only once the read model has applied this position',
  }),
}

interface Options {
  db: Kysely<DB>
  progress: ProjectionProgress
  maxWaitMs: number
}

type Own = { __own: string | null; __row: true | null }

/** The own-writes statement's value for the caller, beside the read's own values. */
const ACTOR = '__actor'

export const consistencyPlugin = fp(async (app: FastifyInstance, opts: Options) => {
  const { db, progress, maxWaitMs } = opts

  /** Resolves once `readModel` has applied `position`; a 503 after the bound. */
  async function reach(readModel: string, position: Position, reply: FastifyReply) {
    if (await progress.waitFor(readModel, position, maxWaitMs)) return
    reply.header('retry-after', '1')
    throw new DomainError(
      'NOT_READY',
      `The ${readModel} read model has not reached that position yet; retry shortly`,
    )
  }

  /**
   * The read and the caller's last position in one statement (compiled once per read, as every
   * read is). The read model's position is taken before the statement is sent: if it already
   * covers the caller's last command, so does the statement's snapshot. Otherwise wait for it,
   * then read again.
   */
  const ownRows =
    (readModel: string, actor: string, reply: FastifyReply): ReadRows =>
    async <V extends object, R>(db: Kysely<DB>, def: ReadDef<V, R>, values: V): Promise<R[]> => {
      const before = progress.position(readModel)
      const rows = await runStatement<R & Own>(
        db,
        `own writes: ${def.key}`,
        (v) => {
          const marked = def.build(db, v as never).select(sql<true>`true`.as('__row'))
          return sql`
            SELECT q.*, ${lastPositionOf((v as { [ACTOR]: string })[ACTOR])} AS __own
              FROM (SELECT) AS one LEFT JOIN LATERAL (${marked}) AS q ON true`.compile(db)
        },
        { ...values, [ACTOR]: actor },
      )
      const own = parseLastPosition(rows[0]?.__own ?? null)
      if (own === undefined || comparePositions(own, before) <= 0) {
        return rows.filter((r) => r.__row === true)
      }
      await reach(readModel, own, reply)
      return directRows(db, def, values)
    }

  app.decorateRequest('readRows', directRows)
  const anonymous = new ReadCache(progress, directRows)

  app.addHook('preHandler', async (request, reply) => {
    const { readModel, ownWritesInRead } = request.routeOptions.config
    if (!readModel) return
    const token = (request.query as { minPosition?: string } | undefined)?.minPosition
    if (token !== undefined) await reach(readModel, decodePosition(token), reply)
    // Routes open to anyone still read a signed-in caller's writes (a staff member's new book);
    // a token that does not verify there is ignored, as if none had been sent.
    if (!request.user && request.headers.authorization) {
      await request.jwtVerify().catch(() => undefined)
    }
    const actor = request.user?.id
    if (actor === undefined) {
      if (ownWritesInRead) request.readRows = anonymous.rows(readModel)
    } else {
      if (ownWritesInRead) request.readRows = ownRows(readModel, actor, reply)
      else {
        const own = await actorLastPosition(db, actor)
        if (own !== undefined) await reach(readModel, own, reply)
      }
    }
    reply.header('x-ledger-position', progress.token(readModel))
  })
})
