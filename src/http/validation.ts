// Two validators: bodies are taken exactly as sent (a "3" is not a number, an unknown property is
// an error, nothing is stripped), while query strings and path parameters, which are text by
// nature, are coerced to the declared types.
import { Ajv, type Options } from 'ajv'
import addFormatsModule from 'ajv-formats'
import type { FastifySchemaCompiler } from 'fastify'

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv

function makeAjv(options: Options): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    removeAdditional: false,
    useDefaults: true,
    strict: false,
    ...options,
  })
  addFormats(ajv)
  return ajv
}

const strict = makeAjv({ coerceTypes: false })
const coercing = makeAjv({ coerceTypes: 'array' })

export const validatorCompiler: FastifySchemaCompiler<object> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? strict : coercing).compile(schema)

/**
 * A rule a schema cannot say, refused in the shape of the schema's own failures: the errors
 * plugin lists the field under `errors`, and the old service's paths name it as it did.
 */
export function fieldFailure(
  field: string,
  message: string,
  failure: { keyword: string; params?: Record<string, unknown> } = { keyword: 'custom' },
) {
  return Object.assign(new Error(message), {
    validationContext: 'body',
    validation: [{ instancePath: `/${field}`, schemaPath: '#', params: {}, ...failure, message }],
  })
}
