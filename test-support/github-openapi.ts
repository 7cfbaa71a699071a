/**
 * Checks requests against GitHub's official OpenAPI description of api.github.com (npm `@octokit/openapi`,
 * `generated/api.github.com.json`), so the fake GitHub follows GitHub's documents rather than the client's own
 * reading of them. Given a method, a raw path below the API root, the query and the JSON body, it finds the
 * documented operation and validates the path parameters, the query parameters and the request body with Ajv.
 *
 * Two kinds of finding:
 * - `rejected`: GitHub itself refuses such a request (unknown route → 404, a body or parameter that breaks the
 *   schema → 422 "Invalid request"); the fake answers the same way.
 * - `undocumented`: GitHub would accept it but the description does not document it (an unknown body field or
 *   query parameter); the fake answers normally. The action must not depend on undocumented behaviour, so
 *   tests treat both kinds as failures.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
type JsonObject = { [key: string]: Json }

interface Parameter {
  name: string
  in: 'path' | 'query' | 'header' | 'cookie'
  required?: boolean
  schema?: JsonObject
  'x-multi-segment'?: boolean
}

interface Operation {
  operationId: string
  parameters?: Array<Parameter | { $ref: string }>
  requestBody?: { required?: boolean; content?: Record<string, { schema?: JsonObject }> }
}

interface Route {
  template: string
  segments: string[]
  /** Literal segments: a route with more of them is the more specific match. */
  literals: number
  /** The last segment is a parameter documented as spanning several segments (`x-multi-segment`). */
  multiSegmentTail: boolean
  methods: Record<string, Operation>
}

export interface OperationMatch {
  template: string
  operationId: string
  /** Decoded path parameters. */
  params: Record<string, string>
}

export interface RequestFinding {
  kind: 'rejected' | 'undocumented'
  /** The HTTP status GitHub answers a rejected request with. */
  status?: 404 | 422
  message: string
}

export interface RequestCheck {
  operation?: OperationMatch
  findings: RequestFinding[]
}

const require = createRequire(import.meta.url)
/** The version of the description the fake follows, for messages and the conformance document. */
export const OPENAPI_PACKAGE = `@octokit/openapi@${(require('@octokit/openapi/package.json') as { version: string }).version}`

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']

interface Loaded {
  spec: { paths: Record<string, Record<string, Operation>>; components: JsonObject }
  routes: Route[]
  ajv: Ajv
  compiled: Map<string, ValidateFunction>
}

let loaded: Loaded | undefined

/** The description is 13 MB: parsed once per process, schemas compiled on first use. */
function load(): Loaded {
  if (loaded) return loaded
  const file = require.resolve('@octokit/openapi/generated/api.github.com.json')
  const spec = JSON.parse(readFileSync(file, 'utf8')) as Loaded['spec']
  const routes: Route[] = []
  for (const [template, item] of Object.entries(spec.paths)) {
    const methods: Record<string, Operation> = {}
    for (const method of METHODS) {
      const operation = item[method]
      if (operation) methods[method.toUpperCase()] = operation
    }
    const segments = template.split('/').slice(1)
    const last = segments.at(-1) ?? ''
    const lastName = /^\{(.+)\}$/.exec(last)?.[1]
    const multiSegmentTail =
      lastName !== undefined &&
      Object.values(methods).some((operation) =>
        parametersOf(spec, operation).some(
          (parameter) => parameter.name === lastName && parameter['x-multi-segment'] === true
        )
      )
    routes.push({
      template,
      segments,
      literals: segments.filter((segment) => !segment.startsWith('{')).length,
      multiSegmentTail,
      methods
    })
  }
  // OpenAPI 3.0 schemas (`nullable`, `example`, `x-*`): Ajv's strict mode would reject the vocabulary.
  const ajv = new Ajv({
    strict: false,
    allErrors: true,
    validateSchema: false,
    coerceTypes: false,
    inlineRefs: false
  })
  const addFormats = addFormatsModule as unknown as (instance: Ajv) => Ajv
  addFormats(ajv)
  // GitHub documents some string formats Ajv does not know; they are not checked.
  for (const format of ['uri-template', 'repo.nwo', 'ssh-key', 'ssh-key fingerprint'])
    ajv.addFormat(format, true)
  ajv.addSchema({ components: toJsonSchema(spec.components, false) } as object, 'github')
  loaded = { spec, routes, ajv, compiled: new Map() }
  return loaded
}

function parametersOf(spec: Loaded['spec'], operation: Operation): Parameter[] {
  return (operation.parameters ?? []).map((parameter) => {
    if ('$ref' in parameter) {
      const name = parameter.$ref.split('/').pop() ?? ''
      return (spec.components.parameters as unknown as Record<string, Parameter>)[name] as Parameter
    }
    return parameter
  })
}

/**
 * OpenAPI 3.0 → JSON Schema for Ajv: `nullable: true` becomes a `null` alternative (Ajv accepts the keyword only
 * beside `type`, the description also puts it beside `oneOf` and `$ref`), and refs into the description's own
 * components are rewritten to the document added as `github`.
 */
function toJsonSchema(schema: Json, rebaseRefs: boolean): Json {
  if (Array.isArray(schema)) return schema.map((item) => toJsonSchema(item, rebaseRefs))
  if (!schema || typeof schema !== 'object') return schema
  const copy: JsonObject = {}
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'nullable') continue
    copy[key] =
      key === '$ref' && typeof value === 'string' && rebaseRefs
        ? `github${value}`
        : toJsonSchema(value, rebaseRefs)
  }
  if (schema.nullable !== true) return copy
  if (typeof copy.type === 'string' && copy.$ref === undefined) {
    copy.type = [copy.type, 'null']
    if (Array.isArray(copy.enum) && !copy.enum.includes(null)) copy.enum = [...copy.enum, null]
    return copy
  }
  return { anyOf: [copy, { type: 'null' }] }
}

function validatorFor(key: string, schema: JsonObject): ValidateFunction {
  const state = load()
  let validate = state.compiled.get(key)
  if (!validate) {
    validate = state.ajv.compile(toJsonSchema(schema, true) as object)
    state.compiled.set(key, validate)
  }
  return validate
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}

/** Finds the documented operation for a raw (still encoded) path below the API root. */
export function matchOperation(
  method: string,
  rawPath: string
): { route?: Route; operation?: Operation; params: Record<string, string> } {
  const { routes } = load()
  const segments = rawPath.split('/').slice(1)
  let best: { route: Route; params: Record<string, string> } | undefined
  for (const route of routes) {
    const params = matchSegments(route, segments)
    if (!params) continue
    if (!best || route.literals > best.route.literals) best = { route, params }
  }
  if (!best) return { params: {} }
  const operation = best.route.methods[method.toUpperCase()]
  return { route: best.route, ...(operation ? { operation } : {}), params: best.params }
}

function matchSegments(route: Route, segments: string[]): Record<string, string> | undefined {
  const { segments: template } = route
  if (segments.length < template.length) return undefined
  if (segments.length > template.length && !route.multiSegmentTail) return undefined
  const params: Record<string, string> = {}
  for (let index = 0; index < template.length; index++) {
    const expected = template[index] as string
    const isLast = index === template.length - 1
    const actual = isLast ? segments.slice(index).join('/') : (segments[index] as string)
    const name = /^\{(.+)\}$/.exec(expected)?.[1]
    if (name !== undefined) {
      if (actual === '') return undefined
      params[name] = decode(actual)
    } else if (expected !== actual) {
      return undefined
    }
  }
  return params
}

function describeErrors(errors: ErrorObject[] | null | undefined, value: unknown, where: string): string[] {
  return (errors ?? []).map((error) => {
    const path = `${where}${error.instancePath}`
    switch (error.keyword) {
      case 'required':
        return `"${String(error.params.missingProperty)}" wasn't supplied${path ? ` (${path})` : ''}.`
      case 'maxLength': {
        const text = valueAt(value, error.instancePath)
        const length = typeof text === 'string' ? [...text].length : 0
        return `Only ${String(error.params.limit)} characters are allowed; ${length} were supplied (${path}).`
      }
      case 'enum':
        return `For '${path}', ${JSON.stringify(valueAt(value, error.instancePath))} is not a valid value.`
      case 'type':
        return `For '${path}', ${JSON.stringify(valueAt(value, error.instancePath))} is not ${String(error.params.type)}.`
      default:
        return `For '${path}', ${error.message ?? error.keyword}.`
    }
  })
}

function valueAt(value: unknown, pointer: string): unknown {
  let current = value
  for (const part of pointer.split('/').slice(1)) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~')
    current = current && typeof current === 'object' ? (current as Record<string, unknown>)[key] : undefined
  }
  return current
}

/** Body fields the schema does not document (GitHub ignores them; the action must not rely on them). */
function undocumentedFields(schema: Json, value: unknown, where: string, out: string[]): void {
  const resolved = resolveSchema(schema)
  if (!resolved || typeof resolved !== 'object' || Array.isArray(resolved)) return
  const variants = [
    resolved,
    ...schemaList(resolved.anyOf),
    ...schemaList(resolved.oneOf),
    ...schemaList(resolved.allOf)
  ]
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries())
      undocumentedFields(resolved.items ?? null, item, `${where}/${index}`, out)
    return
  }
  if (!value || typeof value !== 'object') return
  const documented = new Map<string, Json>()
  let open = false
  for (const variant of variants) {
    const properties = variant.properties
    if (properties && typeof properties === 'object' && !Array.isArray(properties)) {
      for (const [key, property] of Object.entries(properties)) documented.set(key, property)
    }
    if (variant.additionalProperties !== undefined && variant.additionalProperties !== false) open = true
  }
  if (documented.size === 0) return
  for (const [key, item] of Object.entries(value)) {
    const property = documented.get(key)
    if (property === undefined) {
      if (!open) out.push(`${where}/${key}`)
      continue
    }
    undocumentedFields(property, item, `${where}/${key}`, out)
  }
}

function schemaList(value: Json | undefined): JsonObject[] {
  return Array.isArray(value) ? (value.map(resolveSchema).filter(Boolean) as JsonObject[]) : []
}

function resolveSchema(schema: Json | undefined): JsonObject | undefined {
  if (!schema || typeof schema !== 'object' || Array.isArray(schema)) return undefined
  const ref = schema.$ref
  if (typeof ref === 'string') {
    const { spec } = load()
    let target: unknown = spec
    for (const part of ref.replace(/^#\//, '').split('/')) target = (target as Record<string, unknown>)[part]
    return resolveSchema(target as Json)
  }
  return schema
}

/** Checks one request against the description; see the module comment for the kinds of finding. */
export function checkRequest(
  method: string,
  rawPath: string,
  query: Record<string, string>,
  body: unknown,
  options: { hasBody: boolean }
): RequestCheck {
  const state = load()
  const upper = method.toUpperCase()
  const { route, operation, params } = matchOperation(upper, rawPath)
  if (!route) {
    return {
      findings: [
        { kind: 'rejected', status: 404, message: `No documented route matches ${upper} ${rawPath}.` }
      ]
    }
  }
  if (!operation) {
    return {
      findings: [
        {
          kind: 'rejected',
          status: 404,
          message: `${route.template} is documented for ${Object.keys(route.methods).join(', ')}, not ${upper}.`
        }
      ]
    }
  }
  const match: OperationMatch = { template: route.template, operationId: operation.operationId, params }
  const findings: RequestFinding[] = []
  const parameters = parametersOf(state.spec, operation)
  for (const parameter of parameters) {
    if (parameter.in !== 'path' && parameter.in !== 'query') continue
    const raw = parameter.in === 'path' ? params[parameter.name] : query[parameter.name]
    if (raw === undefined) {
      if (parameter.required) {
        findings.push({
          kind: 'rejected',
          status: 422,
          message: `Parameter "${parameter.name}" wasn't supplied.`
        })
      }
      continue
    }
    const schema = parameter.schema ?? {}
    const value = coerce(raw, schema)
    const validate = validatorFor(`${operation.operationId} ${parameter.in} ${parameter.name}`, schema)
    if (!validate(value)) {
      for (const message of describeErrors(validate.errors, value, parameter.name)) {
        findings.push({ kind: 'rejected', status: 422, message })
      }
    }
  }
  const knownQuery = new Set(
    parameters.filter((parameter) => parameter.in === 'query').map((parameter) => parameter.name)
  )
  for (const name of Object.keys(query)) {
    if (!knownQuery.has(name)) {
      findings.push({
        kind: 'undocumented',
        message: `Query parameter "${name}" is not documented for ${operation.operationId}.`
      })
    }
  }
  const bodySchema = operation.requestBody?.content?.['application/json']?.schema
  if (!operation.requestBody) {
    if (options.hasBody && !(body && typeof body === 'object' && Object.keys(body).length === 0)) {
      findings.push({ kind: 'undocumented', message: `${operation.operationId} documents no request body.` })
    }
  } else if (!options.hasBody) {
    if (operation.requestBody.required) {
      findings.push({
        kind: 'rejected',
        status: 422,
        message: `${operation.operationId} requires a request body.`
      })
    }
  } else if (bodySchema) {
    const validate = validatorFor(`${operation.operationId} body`, bodySchema)
    if (!validate(body)) {
      for (const message of describeErrors(validate.errors, body, '')) {
        findings.push({ kind: 'rejected', status: 422, message })
      }
    }
    const extra: string[] = []
    undocumentedFields(bodySchema, body, '', extra)
    for (const field of extra) {
      findings.push({
        kind: 'undocumented',
        message: `Body field "${field}" is not documented for ${operation.operationId}.`
      })
    }
  }
  return { operation: match, findings }
}

/** Query and path values arrive as strings; the schema says what they stand for. */
function coerce(raw: string, schema: JsonObject): unknown {
  const type = schema.type
  if (type === 'integer' || type === 'number') {
    return /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw
  }
  if (type === 'boolean') return raw === 'true' ? true : raw === 'false' ? false : raw
  if (type === 'array') return raw.split(',')
  return raw
}

/**
 * Checks an answer against the response schema the description gives for that operation and status; only
 * successful answers are checked (errors share GitHub's generic shape). Returns one message per problem.
 */
export function checkResponse(
  method: string,
  rawPath: string,
  status: number,
  body: unknown,
  tolerate: (path: string, value: unknown) => boolean = () => false
): string[] {
  if (status < 200 || status >= 300) return []
  const { operation } = matchOperation(method, rawPath)
  if (!operation) return []
  const responses =
    (
      operation as Operation & {
        responses?: Record<string, { content?: Record<string, { schema?: JsonObject }> }>
      }
    ).responses ?? {}
  const documented = responses[String(status)]
  if (!documented)
    return [
      `status ${status} is not documented for ${operation.operationId} (${Object.keys(responses).join(', ')})`
    ]
  const schema = documented.content?.['application/json']?.schema
  if (!schema) return []
  const validate = validatorFor(`${operation.operationId} response ${status}`, schema)
  if (validate(body)) return []
  return (validate.errors ?? [])
    .filter((error) => !tolerate(error.instancePath, valueAt(body, error.instancePath)))
    .slice(0, 10)
    .map(
      (error) =>
        `${error.instancePath || '/'} ${error.message ?? error.keyword} ${JSON.stringify(error.params)}`
    )
}
