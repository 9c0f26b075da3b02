// Errors on the old service's paths. They are problem+json like every other error (type, title,
// status, detail, code, errors), and carry the old service's keys besides, as RFC 9457 extension
// members, so that its clients find what Django REST framework sent them: `{"<field>": [messages]}`
// for the fields of a 400, `non_field_errors` for the rest of a 400, 409 or 422, and `detail`
// (a problem member already) for the others. Where a problem member and a field share a name
// (`status`), the problem member wins and the field's messages go under `non_field_errors`.
import type { FastifyError, FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { DomainError, type ErrorCode } from '../../../domain/errors.js'
import { sendProblem } from '../../plugins/errors.js'
import { type ProblemBody, ProblemSchema, problem } from '../../problem.js'
import { problemsAs, TEXT_PATTERN } from '../../schemas.js'

export type OldKeys = Record<string, string[]>

const NON_FIELD = 'non_field_errors'

/** A refusal in the old service's words: a 400 whose old keys are `fields`. */
export class OldFieldErrors extends DomainError {
  constructor(readonly fields: OldKeys) {
    super('VALIDATION_FAILED', Object.values(fields).flat().join(' '))
  }
}

export const nonFieldError = (message: string) => new OldFieldErrors({ [NON_FIELD]: [message] })

/** Coded refusals the old service gave as a 400 on one field (its unique fields). */
const AS_FIELD: Partial<Record<ErrorCode, readonly [string, string]>> = {
  USERNAME_TAKEN: ['username', 'A user with that username already exists.'],
  EMAIL_TAKEN: ['email', 'A user is already registered with this e-mail address.'],
  BOOK_ALREADY_EXISTS: ['name', 'A book with this name by this author already exists.'],
}

/** The fields whose too-short message is the password validator's. */
const PASSWORDS = new Set(['password', 'password1', 'password2'])
const FORMAT: Record<string, string> = {
  email: 'Enter a valid email address.',
  uuid: 'Must be a valid UUID.',
  uri: 'Enter a valid URL.',
  'date-time': 'Datetime has wrong format.',
}
const TYPE: Record<string, string> = {
  string: 'Not a valid string.',
  integer: 'A valid integer is required.',
  number: 'A valid number is required.',
  boolean: 'Must be a valid boolean.',
  object: 'Invalid data. Expected a dictionary.',
  array: 'Expected a list of items.',
}

interface SchemaFailure {
  keyword: string
  instancePath: string
  schemaPath?: string
  params: Record<string, unknown>
  message?: string
}

/** Django REST framework's message for a schema failure of `field`. */
function oldMessage(v: SchemaFailure, field: string): string {
  const limit = v.params.limit
  switch (v.keyword) {
    case 'required':
      return 'This field is required.'
    case 'additionalProperties':
      return 'This field is not accepted here.'
    case 'minLength':
      if (limit === 1) return 'This field may not be blank.'
      return PASSWORDS.has(field)
        ? `This password is too short. It must contain at least ${limit} characters.`
        : `Ensure this field has at least ${limit} characters.`
    case 'maxLength':
      return `Ensure this field has no more than ${limit} characters.`
    case 'format':
      return FORMAT[String(v.params.format)] ?? 'Enter a valid value.'
    case 'pattern':
      if (v.params.pattern === TEXT_PATTERN) return 'Null characters are not allowed.'
      return field === 'username'
        ? 'Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.'
        : 'Enter a valid value.'
    case 'type':
      return TYPE[String(v.params.type)] ?? 'Enter a valid value.'
    case 'const':
    case 'enum':
      return 'This is not a valid choice.'
    case 'minimum':
      return `Ensure this value is greater than or equal to ${limit}.`
    case 'maximum':
      return `Ensure this value is less than or equal to ${limit}.`
    case 'minProperties':
      return 'Send at least one field.'
    default:
      return v.message ?? 'Enter a valid value.'
  }
}

/** The field a failure is about: its property, or the top-level property it lies under. */
function fieldOf(v: SchemaFailure): string {
  for (const p of ['missingProperty', 'additionalProperty'] as const) {
    if (typeof v.params[p] === 'string' && v.instancePath === '') return v.params[p]
  }
  return v.instancePath.split('/')[1] || NON_FIELD
}

/**
 * A value that fits no branch of a union fails in every branch; the old service named one type
 * per field, so only the first branch (the value's type; null or '' come after it) is told.
 */
function firstBranchOnly(failures: SchemaFailure[]): SchemaFailure[] {
  const unions = failures.filter((v) => v.keyword === 'anyOf').map((v) => `${v.schemaPath}/`)
  return failures.filter(
    (v) =>
      v.keyword !== 'anyOf' &&
      !unions.some((u) => v.schemaPath?.startsWith(u) && !v.schemaPath.startsWith(`${u}0/`)),
  )
}

function add(keys: OldKeys, field: string, message: string) {
  const list = keys[field] ?? []
  if (!list.includes(message)) keys[field] = [...list, message]
}

export function schemaFailureKeys(failures: readonly SchemaFailure[]): OldKeys {
  const keys: OldKeys = {}
  for (const v of firstBranchOnly([...failures])) add(keys, fieldOf(v), oldMessage(v, fieldOf(v)))
  return keys
}

const PROBLEM_MEMBERS = new Set(Object.keys(ProblemSchema.properties))

/** Adds the old keys to a problem body, keeping every problem member as it is. */
function merge(body: ProblemBody, keys: OldKeys): ProblemBody {
  const out: Record<string, unknown> = { ...body }
  const nonField = [...(keys[NON_FIELD] ?? [])]
  for (const [field, messages] of Object.entries(keys)) {
    if (field === NON_FIELD) continue
    if (PROBLEM_MEMBERS.has(field)) nonField.push(...messages.map((m) => `${field}: ${m}`))
    else out[field] = messages
  }
  if (nonField.length > 0) out[NON_FIELD] = nonField
  return out as unknown as ProblemBody
}

const pathOf = (field: string) => (field === NON_FIELD ? 'body' : `body/${field}`)

/** The problem body an old client reads its keys from. */
export function withOldKeys(body: ProblemBody, err: FastifyError): ProblemBody {
  if (err instanceof OldFieldErrors) {
    const errors = Object.entries(err.fields).flatMap(([field, messages]) =>
      messages.map((message) => ({ path: pathOf(field), message })),
    )
    return merge({ ...body, errors }, err.fields)
  }
  const asField = err instanceof DomainError ? AS_FIELD[err.code] : undefined
  if (asField) {
    const [field, message] = asField
    const refused = problem('VALIDATION_FAILED', message, [{ path: pathOf(field), message }])
    return merge(refused, { [field]: [message] })
  }
  if (err.validation) return merge(body, schemaFailureKeys(err.validation as SchemaFailure[]))
  if ([400, 409, 422].includes(body.status)) return merge(body, { [NON_FIELD]: [body.detail] })
  return body
}

export const OldProblemSchema = Type.Object(
  {
    ...ProblemSchema.properties,
    non_field_errors: Type.Optional(
      Type.Array(Type.String(), { description: 'the old service’s errors not about one field' }),
    ),
  },
  {
    $id: 'OldProblem',
    additionalProperties: Type.Array(Type.String()),
    description:
      'RFC 9457 problem details, plus the old service’s keys: `{"<field>": ["message"]}` for ' +
      'each field of a 400 and `non_field_errors` for the rest of a 400, 409 or 422',
  },
)

/** OldProblem responses for the statuses a seed route can answer with. */
export const oldProblems = <const S extends readonly number[]>(...statuses: S) =>
  problemsAs('OldProblem', ...statuses)

/** Every error of the seed routes registered in `app` answers with the old keys. */
export function answerWithOldKeys(app: FastifyInstance) {
  app.addSchema(OldProblemSchema)
  app.setErrorHandler((err: FastifyError, request, reply) =>
    sendProblem(err, request, reply, withOldKeys),
  )
}
