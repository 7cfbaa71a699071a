/**
 * Checks event payloads against GitHub's official webhook schema (npm `@octokit/openapi-webhooks`,
 * `generated/api.github.com.json`, OpenAPI 3.1). A workflow's event payload is the webhook payload of its
 * event, so payloads handed to the action in tests must be ones GitHub could send.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'

const require = createRequire(import.meta.url)
export const WEBHOOKS_PACKAGE = `@octokit/openapi-webhooks@${(require('@octokit/openapi-webhooks/package.json') as { version: string }).version}`

interface WebhookSpec {
  webhooks: Record<
    string,
    { post: { requestBody: { content: { 'application/json': { schema: { $ref: string } } } } } }
  >
  components: Record<string, unknown>
}

let ajv: Ajv2020 | undefined
let spec: WebhookSpec | undefined
const validators = new Map<string, ValidateFunction>()

function load(): { ajv: Ajv2020; spec: WebhookSpec } {
  if (!ajv || !spec) {
    spec = JSON.parse(
      readFileSync(require.resolve('@octokit/openapi-webhooks/generated/api.github.com.json'), 'utf8')
    ) as WebhookSpec
    ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false })
    const addFormats = addFormatsModule as unknown as (instance: Ajv2020) => Ajv2020
    addFormats(ajv)
    ajv.addFormat('uri-template', true)
    ajv.addSchema({ components: spec.components }, 'webhooks')
  }
  return { ajv, spec }
}

/** `issues` + `edited` → `issues-edited`; events without actions (push) go by their name alone. */
function webhookKey(eventName: string, action: string | undefined): string {
  const event = eventName.replace(/_/g, '-')
  return action ? `${event}-${action.replace(/_/g, '-')}` : event
}

export class WebhookPayloadError extends Error {
  override readonly name = 'WebhookPayloadError'
}

/**
 * Throws when `payload` is not a valid `eventName`/`action` webhook payload per GitHub's schema, naming
 * each violation; returns the payload unchanged otherwise.
 */
export function validateWebhookPayload<T>(eventName: string, action: string | undefined, payload: T): T {
  const { ajv: instance, spec: webhooks } = load()
  const key = webhookKey(eventName, action)
  const hook = webhooks.webhooks[key]
  if (!hook)
    throw new WebhookPayloadError(
      `GitHub documents no "${key}" webhook (event ${eventName}, action ${action ?? 'none'}).`
    )
  let validate = validators.get(key)
  if (!validate) {
    const ref = hook.post.requestBody.content['application/json'].schema.$ref
    validate = instance.compile({ $ref: `webhooks${ref}` })
    validators.set(key, validate)
  }
  if (!validate(payload)) {
    const problems = (validate.errors ?? [])
      .slice(0, 20)
      .map(
        (error) =>
          `  ${error.instancePath || '/'} ${error.message ?? error.keyword} ${JSON.stringify(error.params)}`
      )
    throw new WebhookPayloadError(
      `The ${key} payload does not follow GitHub's webhook schema (${WEBHOOKS_PACKAGE}):\n${problems.join('\n')}`
    )
  }
  return payload
}
