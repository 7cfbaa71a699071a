/** Everything the action renders: check runs, the job summary, PR comments. Pure functions of plain data. */
export {
  renderCheck,
  renderReviewCheck,
  renderGrayCheck,
  checkName,
  checkExternalId,
  type RenderedCheck,
  type NamedCheck,
  type CheckContext
} from './checks.js'
export {
  renderJobSummary,
  renderFanOutTable,
  renderFanOutCheck,
  type TargetReport,
  type JobSummaryOptions
} from './summary.js'
export {
  renderPreviewComment,
  renderUploadSummary,
  type PreviewCommentInput,
  type UploadSummaryInput,
  type PackageSizes
} from './preview.js'
export { renderReleaseComment, releaseCommentKey, type ReleaseCommentInput } from './comments.js'
export { formatBytes, formatDuration, progressBar } from './format.js'
export { inlineText, codeBlock } from './markdown.js'
export { formatUtc } from '../release/time.js'
