// Requests generated from the API's own OpenAPI document (issue 11 §3): for each operation, valid
// requests built from its schemas, and near-valid ones where a value is of the wrong type, just
// past a boundary, hostile text, an extra or a missing field, a bad cursor or id, a body of the
// wrong media type or malformed JSON. Pure: the fuzz test sends them and judges the answers.
import fc from 'fast-check'
import { encodeCursor } from '../../src/http/cursor.js'

type Schema = Record<string, unknown> & {
  $ref?: string
  type?: string
  anyOf?: Schema[]
  oneOf?: Schema[]
  const?: unknown
  enum?: unknown[]
  format?: string
  pattern?: string
  minLength?: number
  maxLength?: number
  minimum?: number
  maximum?: number
  properties?: Record<string, Schema>
  required?: string[]
  items?: Schema
}

interface Parameter {
  in: 'query' | 'path' | 'header'
  name: string
  required?: boolean
  schema?: Schema
}

export interface Operation {
  method: string
  path: string
  parameters: Parameter[]
  body: Schema | undefined
  readModel: boolean
}

export type Role = 'anonymous' | 'user' | 'other' | 'staff' | 'garbage' | 'expired' | 'no-exp'
export const ROLES: Role[] = ['anonymous', 'user', 'other', 'staff', 'garbage', 'expired', 'no-exp']

export interface FuzzRequest {
  operation: string
  role: Role
  method: string
  url: string
  headers: Record<string, string>
  payload?: string
  minPosition: boolean
}

export interface Known {
  /** Ids that exist (books, users, rentals, payments), so valid requests reach real records. */
  ids: string[]
  /** Access tokens that verify, for `token` fields (the old service's refresh and verify). */
  tokens?: string[]
}

/** Every operation of an OpenAPI 3 document, with its parameters and JSON body schema. */
export function operationsOf(doc: {
  paths: Record<string, Record<string, Record<string, unknown>>>
}): Operation[] {
  const ops: Operation[] = []
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      // A stream (Server-Sent Events) never ends, so inject cannot wait for it: live.test.ts reads it.
      const ok = (op.responses as Record<string, { content?: Record<string, unknown> }>)?.['200']
      if (ok?.content?.['text/event-stream']) continue
      const parameters = (op.parameters ?? []) as Parameter[]
      const content = (op.requestBody as { content?: Record<string, { schema: Schema }> })?.content
      ops.push({
        method: method.toUpperCase(),
        path,
        parameters,
        body: content?.['application/json']?.schema,
        readModel: parameters.some((p) => p.name === 'minPosition'),
      })
    }
  }
  return ops
}

const HOSTILE_TEXT = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfff',
  '\udc00\ud800',
  "' OR 1=1; --",
  '"; DROP TABLE events; --',
  '../../../etc/passwd',
  '%00',
  '%',
  '<script>alert(1)</script>',
  '\u202eevil',
  '𝕏'.repeat(400),
  'a'.repeat(5000),
  '9'.repeat(400),
  '-1',
  'null',
  'NaN',
  '1e309',
  '0000-00-00T00:00:00Z',
  '+275760-09-13T00:00:00.000Z',
  '-000001-01-01T00:00:00Z',
  '2026-02-30T00:00:00Z',
  '9999-12-31T23:59:60Z',
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  'ffffffffffffffffffffffffffffffff',
  '00000000000000000000000000000000',
]

const HOSTILE_NUMBERS = [0, -1, 1.5, -0.0001, 2 ** 31, 2 ** 53, -(2 ** 53), Number.MAX_VALUE, 1e21]

/** Values of every JSON type: the "wrong type" for whatever was asked for. */
const anyJson = fc.oneof(
  fc.constantFrom<unknown>(null, true, false, [], {}, [1, 'a'], { a: { b: 1 } }),
  fc.constantFrom(...HOSTILE_NUMBERS),
  fc.constantFrom(...HOSTILE_TEXT),
)

const hostileCursor = fc.oneof(
  fc.constantFrom('!!', 'AAAA', '____', 'e30', encodeCursor([]), encodeCursor([1, 2])),
  fc
    .tuple(fc.constantFrom(...HOSTILE_TEXT), fc.constantFrom(...HOSTILE_TEXT))
    .map((key) => encodeCursor(key)),
  fc.tuple(fc.string(), fc.uuid()).map((key) => encodeCursor(key)),
  fc
    .tuple(
      fc.date().map((d) => d.toISOString()),
      fc.uuid(),
    )
    .map((key) => encodeCursor(key)),
)

function resolve(doc: { components?: { schemas?: Record<string, Schema> } }, s: Schema): Schema {
  if (!s.$ref) return s
  const name = s.$ref.replace(/^#\/components\/schemas\//, '').replace(/#$/, '')
  return doc.components?.schemas?.[name] ?? {}
}

export class RequestArbitraries {
  constructor(
    private readonly doc: { components?: { schemas?: Record<string, Schema> } },
    private readonly known: Known,
  ) {}

  /** A value valid for `schema` (or as near as a generator gets: patterns are regular). */
  valid(schema: Schema, name = ''): fc.Arbitrary<unknown> {
    const s = resolve(this.doc, schema)
    const choices = s.anyOf ?? s.oneOf
    if (choices) return fc.oneof(...choices.map((c) => this.valid(c, name)))
    if ('const' in s) return fc.constant(s.const)
    if (s.enum) return fc.constantFrom(...s.enum)
    switch (s.type) {
      case 'integer':
      case 'number': {
        const min = s.minimum ?? -1_000_000
        const max = s.maximum ?? 1_000_000
        const n = fc.integer({ min: Math.max(min, -(2 ** 31)), max: Math.min(max, 2 ** 31) })
        return fc.oneof(n, fc.constantFrom(min, max))
      }
      case 'boolean':
        return fc.boolean()
      case 'null':
        return fc.constant(null)
      case 'array':
        return fc.array(this.valid(s.items ?? {}), { maxLength: 3 })
      case 'object':
        return this.object(s, (p, n) => this.valid(p, n))
      case 'string':
        return this.string(s, name)
      default:
        return anyJson
    }
  }

  /**
   * A value near `schema`'s: mostly valid, with parts broken in one of many ways. `shape` keeps
   * an object an object (query strings, path parameters and headers are always maps).
   */
  nearValid(schema: Schema, name = '', shape = false): fc.Arbitrary<unknown> {
    const s = resolve(this.doc, schema)
    const broken: fc.Arbitrary<unknown>[] = shape ? [] : [anyJson]
    if (s.type === 'object') {
      broken.push(
        this.object(s, (p, n) => this.nearValid(p, n)),
        this.object(s, (p, n) => this.valid(p, n)).map((o) => ({ ...(o as object), extra: 1 })),
        this.object(s, (p, n) => this.valid(p, n)).map((o) => {
          const [first] = Object.keys(o as object)
          const { [first ?? '']: _dropped, ...rest } = o as Record<string, unknown>
          return rest
        }),
      )
    }
    if (s.type === 'integer' || s.type === 'number') {
      broken.push(
        fc.constantFrom((s.minimum ?? 0) - 1, (s.maximum ?? 2 ** 53) + 1, 0.5),
        fc.integer().map(String),
      )
    }
    if (s.type === 'string') {
      broken.push(
        fc.constantFrom(...HOSTILE_TEXT),
        fc.string({ unit: 'binary', maxLength: 40 }),
        fc.string({ minLength: (s.maxLength ?? 300) + 1, maxLength: (s.maxLength ?? 300) + 3 }),
      )
      if (name === 'cursor') broken.push(hostileCursor)
    }
    return fc.oneof({ weight: 1, arbitrary: this.valid(s, name) }, ...broken.map((b) => b))
  }

  private object(
    s: Schema,
    field: (p: Schema, name: string) => fc.Arbitrary<unknown>,
  ): fc.Arbitrary<unknown> {
    const props = s.properties ?? {}
    const model = Object.fromEntries(Object.entries(props).map(([k, p]) => [k, field(p, k)]))
    return fc.record(model, { requiredKeys: (s.required ?? []).filter((k) => k in props) })
  }

  private string(s: Schema, name: string): fc.Arbitrary<string> {
    const min = s.minLength ?? 0
    const max = s.maxLength ?? 300
    const fits = (v: string) => [...v].length >= min && [...v].length <= max
    if (s.format === 'uuid') return fc.oneof(fc.constantFrom(...this.known.ids), fc.uuid())
    if (s.format === 'date-time') {
      return fc
        .date({ min: new Date('1900-01-01'), max: new Date('2200-01-01'), noInvalidDate: true })
        .map((d) => d.toISOString())
    }
    if (s.format === 'email') return fc.emailAddress().filter(fits)
    if (name === 'cursor') return hostileCursor
    if (name === 'token' && this.known.tokens?.length) {
      return fc.oneof(fc.constantFrom(...this.known.tokens), fc.string({ maxLength: 64 }))
    }
    if (s.pattern) return fc.stringMatching(new RegExp(s.pattern, 'u')).filter(fits)
    return fc.string({ minLength: min, maxLength: Math.min(max, 64) })
  }

  /** A whole request for `op`: valid or near-valid parameters and body, as `role`. */
  request(op: Operation): fc.Arbitrary<Omit<FuzzRequest, 'headers'> & { headers: object }> {
    const part = (where: Parameter['in']) => {
      const params = op.parameters.filter((p) => p.in === where)
      const schema: Schema = {
        type: 'object',
        properties: Object.fromEntries(params.map((p) => [p.name, p.schema ?? {}])),
        required: params.filter((p) => p.required || where === 'path').map((p) => p.name),
      }
      return fc.oneof(this.valid(schema), this.nearValid(schema, '', true)) as fc.Arbitrary<
        Record<string, unknown>
      >
    }
    const body: fc.Arbitrary<string | undefined> = op.body
      ? fc.oneof(
          { weight: 4, arbitrary: this.valid(op.body).map((b) => JSON.stringify(b)) },
          { weight: 4, arbitrary: this.nearValid(op.body).map((b) => JSON.stringify(b)) },
          { weight: 1, arbitrary: fc.constantFrom('{"a":', '', 'null', '[]', '"x"', '{}{}') },
        )
      : fc.constant(undefined)
    const contentType = fc.oneof(
      { weight: 12, arbitrary: fc.constant('application/json') },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          'text/plain',
          'application/x-www-form-urlencoded',
          'application/json; charset=latin1',
          'multipart/form-data; boundary=x',
          'application/xml',
        ),
      },
    )
    return fc
      .record({
        path: part('path'),
        query: part('query'),
        header: part('header'),
        payload: body,
        contentType,
        role: fc.constantFrom(...ROLES),
      })
      .map(({ path, query, header, payload, contentType, role }) => {
        const url =
          op.path.replace(/\{(\w+)\}/g, (_, k) => encodePathPart(String(path[k] ?? ''))) +
          queryString(query ?? {})
        const headers: Record<string, string> = {}
        for (const [k, v] of Object.entries(header ?? {})) {
          // Node refuses control characters in a header value before any request is made.
          if (v !== undefined) headers[k] = String(v).replace(/[^\x20-\x7e]/g, '?')
        }
        if (payload !== undefined) headers['content-type'] = contentType
        return {
          operation: `${op.method} ${op.path}`,
          role,
          method: op.method,
          url,
          headers,
          payload,
          minPosition: op.readModel && query?.minPosition !== undefined,
        }
      })
  }
}

/** encodeURIComponent, but a lone surrogate goes as the bytes a careless client would send. */
function encodePathPart(text: string): string {
  return [...text]
    .map((c) => (/[\ud800-\udfff]/.test(c) ? '%ED%A0%80' : encodeURIComponent(c)))
    .join('')
}

function queryString(query: Record<string, unknown>): string {
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined) continue
    for (const item of Array.isArray(v) ? v : [v]) {
      params.append(k, typeof item === 'object' ? JSON.stringify(item) : String(item))
    }
  }
  const text = params.toString()
  return text ? `?${text}` : ''
}
