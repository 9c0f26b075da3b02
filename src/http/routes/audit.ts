// Audit and operations for staff: the event log as a streamed export, and how far each projection
// has got. Both read the log through the one reader (xid-gated), never a read model.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { PROJECTIONS } from '../../../projections/index.js'
import { GENESIS } from '../../audit/canonical.js'
import { latestHead, readChainHead, recordHead } from '../../audit/chain.js'
import { EXPORT_CONTENT_TYPES, exportStream, parseExportInput } from '../../audit/export.js'
import { type Head, loadSigningKey } from '../../audit/signing.js'
import { DomainError } from '../../domain/errors.js'
import { encodePosition } from '../../eventstore/position.js'
import { projectionLag } from '../../projector/status.js'
import type { AppDeps } from '../deps.js'
import { PositionToken } from '../plugins/consistency.js'
import { Instant, problems, Text } from '../schemas.js'

const ProjectionStatus = Type.Object(
  {
    name: Type.String({ examples: ['book-availability'] }),
    position: Type.String({ description: 'its checkpoint: the last log position it applied' }),
    lagEvents: Type.Integer({ description: 'committed events in the log after its checkpoint' }),
    status: Type.Union(
      [Type.Literal('up-to-date'), Type.Literal('catching-up'), Type.Literal('stalled')],
      {
        description:
          "'up-to-date': lagEvents is 0. 'catching-up': behind, but its checkpoint moved, or the " +
          "oldest event it lacks was recorded, less than STALL_AFTER_SECONDS (default 30) ago. 'stalled': " +
          'behind and neither for that long: no worker is running, or none can advance.',
      },
    ),
  },
  { $id: 'ProjectionStatus' },
)

const AuditQuery = Type.Object(
  {
    format: Type.Optional(
      Type.Union([Type.Literal('ndjson'), Type.Literal('csv')], { default: 'ndjson' }),
    ),
    after: Type.Optional({
      ...PositionToken,
      description: "a record's `position`: the export resumes exactly after it",
    }),
    from: Type.Optional({ ...Instant, description: 'recorded at or after (ISO-8601)' }),
    to: Type.Optional({ ...Instant, description: 'recorded before (ISO-8601)' }),
    type: Type.Optional(Text(0, 2000, 'event types, comma-separated')),
    streamId: Type.Optional(Text(0, 300, { examples: ['book-<id>'] })),
    head: Type.Optional(
      Type.Boolean({
        default: false,
        description: 'end with a head for the last record, signed now (verify-export checks it)',
      }),
    ),
  },
  { additionalProperties: false },
)

const exportDescription =
  'The chained event log in log order, streamed with backpressure: one record per line ' +
  '`{position, streamId, version, type, data, metadata, recordedAt, prevHash, hash}` (NDJSON), ' +
  'or CSV with a header row (RFC 4180; data and metadata as JSON). `hash` is SHA-256 of ' +
  '`prevHash` and the record (RFC 8785 canonical JSON); events appear once the chain writer ' +
  'has chained them, moments after their commit. With `head=true` the last line is ' +
  '`{"head": AuditHead}` (CSV: a row of type `@audit-head`, the head as JSON in `data`). Pass ' +
  'the last record received as `after` to continue an interrupted export: the chain resumes there.'

const Hex64 = Type.String({ pattern: '^[0-9a-f]{64}$' })

const AuditHead = Type.Object(
  {
    position: Type.String({ description: 'the position of the last chained event it covers' }),
    hash: { ...Hex64, description: "that event's hash in the chain" },
    signedAt: Instant,
    signature: Type.Union([Type.String(), Type.Null()], {
      description:
        'base64 Ed25519 signature of the RFC 8785 form of ' +
        '`{kind: "rental-ledger.audit-head.v1", position, hash, signedAt}`; null: unsigned ' +
        '(no AUDIT_SIGNING_KEY configured)',
    }),
    publicKey: Type.Union([Type.String(), Type.Null()], {
      description: 'the signing public key (base64 SPKI DER), as GET /api/audit/public-key',
    }),
    signed: Type.Boolean(),
  },
  { $id: 'AuditHead', additionalProperties: false },
)

const PublicKey = Type.Object(
  {
    algorithm: Type.Literal('Ed25519'),
    signing: Type.Boolean({ description: 'false: no key is configured and heads are unsigned' }),
    publicKey: Type.Union([Type.String(), Type.Null()], { description: 'base64 SPKI DER' }),
    publicKeyPem: Type.Union([Type.String(), Type.Null()]),
  },
  { $id: 'AuditPublicKey', additionalProperties: false },
)

const withSigned = (h: Head) => ({ ...h, signed: h.signature !== null })

export const auditRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  const db = deps.database.db
  const key = loadSigningKey(deps.config.AUDIT_SIGNING_KEY)

  app.get(
    '/api/audit/events',
    {
      config: { auth: 'staff' },
      schema: {
        tags: ['audit'],
        summary: 'Export the event log (staff)',
        description: exportDescription,
        querystring: AuditQuery,
        response: {
          200: {
            description: exportDescription,
            content: {
              'application/x-ndjson': { schema: Type.String() },
              'text/csv': { schema: Type.String() },
            },
          },
          ...problems(400, 401, 403),
        },
      },
    },
    async (request, reply) => {
      const { format = 'ndjson', head = false, ...input } = request.query
      // Everything is checked before the first byte: a bad filter is a 400, never a cut stream.
      const query = parseExportInput(input)
      reply.type(EXPORT_CONTENT_TYPES[format])
      if (format === 'csv') {
        reply.header('content-disposition', 'attachment; filename="events.csv"')
      }
      // A stream is sent as it is, unserialized; the schema above types 200 as its text.
      return reply.send(
        exportStream(deps.database, {
          ...query,
          format,
          ...(head && { head: { key } }),
        }) as unknown as string,
      )
    },
  )

  app.get(
    '/api/audit/public-key',
    {
      config: { auth: 'anyone' },
      schema: {
        tags: ['audit'],
        summary: 'The public key that signs audit heads (verify-export --public-key)',
        response: { 200: PublicKey },
      },
    },
    async () => ({
      algorithm: 'Ed25519' as const,
      signing: key !== undefined,
      publicKey: key?.publicKey ?? null,
      publicKeyPem: key?.publicKeyPem ?? null,
    }),
  )

  app.get(
    '/api/audit/head',
    {
      config: { auth: 'staff' },
      schema: {
        tags: ['audit'],
        summary: 'The latest recorded head of the audit chain (staff)',
        description:
          'The chain writer records a head every AUDIT_HEAD_INTERVAL_SECONDS when the chain moved; ' +
          'POST records one now. 404 before the first.',
        response: { 200: AuditHead, ...problems(401, 403, 404) },
      },
    },
    async () => {
      const head = await latestHead(db)
      if (!head) throw new DomainError('NOT_FOUND', 'no audit head has been recorded yet')
      return withSigned(head)
    },
  )

  app.post(
    '/api/audit/head',
    {
      config: { auth: 'staff' },
      schema: {
        tags: ['audit'],
        summary: "Sign and record the chain's head now (staff)",
        response: { 201: AuditHead, ...problems(401, 403, 404) },
      },
    },
    async (_request, reply) => {
      const chained = await readChainHead(db)
      if (chained.hash === GENESIS) throw new DomainError('NOT_FOUND', 'nothing is chained yet')
      const head = await recordHead(db, key, chained, new Date())
      return reply.code(201).send(withSigned(head))
    },
  )

  app.get(
    '/api/admin/projections',
    {
      config: { auth: 'staff' },
      schema: {
        tags: ['operations'],
        summary: 'Each projection: its checkpoint and how far behind the log it is (staff)',
        response: { 200: Type.Array(ProjectionStatus), ...problems(401, 403) },
      },
    },
    async () =>
      Promise.all(
        PROJECTIONS.map(async (p) => {
          const lag = await projectionLag(db, p, deps.config.STALL_AFTER_SECONDS)
          return {
            name: p.name,
            position: encodePosition(lag.position),
            lagEvents: lag.lagEvents,
            status: lag.status,
          }
        }),
      ),
  )
}
