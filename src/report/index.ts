/** Everything the action renders: check runs, the job summary, PR comments. Pure functions of plain data. */
export {
  renderReviewCheck,
  renderGrayCheck,
  countdownText,
  type RenderedCheck,
  type ReviewCheckInput,
  type GrayCheckInput
} from './checks.js'
export {
  renderJobSummary,
  renderFanOutTable,
  renderFanOutCheck,
  type TargetRunResult,
  type JobSummaryOptions
} from './summary.js'
export {
  renderPreviewComment,
  renderUploadSummary,
  type PreviewCommentInput,
  type UploadSummaryInput,
  type PackageSizes
} from './preview.js'
export { renderReviewComment, type ReviewCommentInput } from './comments.js'
export { formatBytes, formatDuration, formatUtc, progressBar } from './format.js'
