/** The WeChat platform client: transport, tokens, credentials, typed endpoints, review items and errors. */
export * from './client.js'
export * from './credentials.js'
export * from './endpoint.js'
export * from './errors.js'
export * from './http.js'
export * from './review-items.js'
export * from './tokens.js'
export {
  AUDIT_STATUS_NAMES,
  type AuditResult,
  type AuditStatus,
  type Category,
  type GrayPlanStatus,
  type GrayReleasePlan,
  type HistoryVersion,
  type JsErrorRow,
  type LatestAuditResult,
  type Quota,
  type Template,
  type TemplateDraft,
  type VersionInfo
} from './schemas.js'
