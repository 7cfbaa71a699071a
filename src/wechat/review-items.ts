/**
 * The review items of submit_audit (`item_list`), defined once: the WeChat request shape, the schema that
 * reads them from the `review-items` input, and the default item built from the mini program's own category
 * and first page.
 *
 * Categories are required and the page is optional: "类目是必填的" and `address`, `tag`, `title` optional on
 * the current page (developers.weixin.qq.com/doc/oplatform/openApi/miniprogram-management/code-management/
 * api_submitaudit; WxJava `WxMaCodeSubmitAuditItem`). The oldest English page still marks address and title
 * required; the action follows the current page and leaves them to the user.
 */
import * as z from 'zod'
import type { Category } from './schemas.js'

/** One item of submit_audit's item_list, as WeChat takes it. */
export interface ReviewItem {
  /** First-level category name, from get_category. */
  first_class: string
  /** Second-level category name, from get_category. */
  second_class: string
  first_id: number
  second_id: number
  third_class?: string
  third_id?: number
  /** Page path from get_page. */
  address?: string
  /** Space-separated, at most 10 tags of at most 20 characters. */
  tag?: string
  /** At most 32 characters. */
  title?: string
}

/** submit_audit takes 1 to 5 items (85023 otherwise). */
export const MAX_REVIEW_ITEMS = 5
const MAX_TAGS = 10
const MAX_TAG_LENGTH = 20
const MAX_TITLE_LENGTH = 32

const REQUIRED_FIELDS = ['first_class', 'second_class', 'first_id', 'second_id'] as const
const OPTIONAL_FIELDS = ['third_class', 'third_id', 'address', 'tag', 'title'] as const
const ALLOWED_FIELDS: readonly string[] = [...REQUIRED_FIELDS, ...OPTIONAL_FIELDS]

const categoryHint = 'copy it from get_category (the categories configured for the mini program)'

function text(field: string, required: boolean) {
  const schema = z
    .string({
      error: (issue) =>
        issue.input === undefined || issue.input === null
          ? `${field} is required: ${categoryHint}`
          : `${field} must be text`
    })
    .trim()
    .min(1, { error: required ? `${field} is required: ${categoryHint}` : `${field} must not be empty` })
  return schema
}

function id(field: string) {
  return z.union([z.number(), z.string().trim()], {
    error: (issue) =>
      issue.input === undefined || issue.input === null
        ? `${field} is required: ${categoryHint}`
        : `${field} must be a whole number`
  })
}

function wholeNumber(field: string, value: number | string, ctx: z.RefinementCtx): number {
  const number = typeof value === 'number' ? value : /^\d+$/.test(value) ? Number(value) : NaN
  if (!Number.isSafeInteger(number) || number < 0) {
    ctx.addIssue({ code: 'custom', message: `${field} must be a whole number, got ${JSON.stringify(value)}` })
    return z.NEVER
  }
  return number
}

const tags = z
  .union([z.string(), z.array(z.string())], { error: 'tag must be text, or a list of tags' })
  .transform((value, ctx) => {
    const list = (Array.isArray(value) ? value : value.split(/\s+/)).map((tag) => tag.trim()).filter(Boolean)
    if (list.length > MAX_TAGS) {
      ctx.addIssue({
        code: 'custom',
        message: `tag holds ${list.length} tags; WeChat allows at most ${MAX_TAGS}`
      })
      return z.NEVER
    }
    const long = list.find((tag) => [...tag].length > MAX_TAG_LENGTH)
    if (long !== undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `tag "${long}" is longer than ${MAX_TAG_LENGTH} characters`
      })
      return z.NEVER
    }
    return list.join(' ')
  })

const itemFields = z.object({
  first_class: text('first_class', true),
  second_class: text('second_class', true),
  first_id: id('first_id').transform((value, ctx) => wholeNumber('first_id', value, ctx)),
  second_id: id('second_id').transform((value, ctx) => wholeNumber('second_id', value, ctx)),
  third_class: text('third_class', false).optional(),
  third_id: id('third_id')
    .transform((value, ctx) => wholeNumber('third_id', value, ctx))
    .optional(),
  address: text('address', false).optional(),
  tag: tags.optional(),
  title: text('title', false)
    .refine((title) => [...title].length <= MAX_TITLE_LENGTH, {
      error: `title is longer than ${MAX_TITLE_LENGTH} characters`
    })
    .optional()
})

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Keeps only the fields that are set, so the request carries no `undefined` and no empty tag. */
function compact(item: z.output<typeof itemFields>): ReviewItem {
  const out: ReviewItem = {
    first_class: item.first_class,
    second_class: item.second_class,
    first_id: item.first_id,
    second_id: item.second_id
  }
  if (item.third_class !== undefined) out.third_class = item.third_class
  if (item.third_id !== undefined) out.third_id = item.third_id
  if (item.address !== undefined) out.address = item.address
  if (item.tag) out.tag = item.tag
  if (item.title !== undefined) out.title = item.title
  return out
}

/**
 * One review item. Its messages are whole sentences in the action's words (the input and the item number
 * are added by the caller), never a library's generic text.
 */
export const reviewItemSchema = z.unknown().transform((value, ctx): ReviewItem => {
  if (!isPlainObject(value)) {
    ctx.addIssue({
      code: 'custom',
      message: `must be a mapping with ${REQUIRED_FIELDS.join(', ')} (and optionally ${OPTIONAL_FIELDS.join(', ')})`
    })
    return z.NEVER
  }
  const unknown = Object.keys(value).find((key) => !ALLOWED_FIELDS.includes(key))
  if (unknown !== undefined) {
    ctx.addIssue({
      code: 'custom',
      message: `has a field WeChat does not know, "${unknown}" (allowed: ${ALLOWED_FIELDS.join(', ')})`
    })
    return z.NEVER
  }
  const result = itemFields.safeParse(value)
  if (!result.success) {
    const issue = result.error.issues[0]
    ctx.addIssue({ code: 'custom', message: issue?.message ?? 'is invalid' })
    return z.NEVER
  }
  return compact(result.data)
})

/** The whole list: 1 to 5 items (a single mapping counts as one item). */
export const reviewItemListSchema = z.unknown().transform((value, ctx): ReviewItem[] => {
  const list = Array.isArray(value) ? value : [value]
  if (list.length === 0) {
    ctx.addIssue({ code: 'custom', message: 'is an empty list: give 1 to 5 items, or leave the input out' })
    return z.NEVER
  }
  if (list.length > MAX_REVIEW_ITEMS) {
    ctx.addIssue({
      code: 'custom',
      message: `holds ${list.length} items; WeChat takes at most ${MAX_REVIEW_ITEMS}`
    })
    return z.NEVER
  }
  const items: ReviewItem[] = []
  for (const [index, entry] of list.entries()) {
    const result = reviewItemSchema.safeParse(entry)
    if (!result.success) {
      const where = list.length > 1 || Array.isArray(value) ? `item ${index + 1}: ` : ''
      ctx.addIssue({ code: 'custom', message: `${where}${result.error.issues[0]?.message ?? 'is invalid'}` })
      return z.NEVER
    }
    items.push(result.data)
  }
  return items
})

/** Problems of a list about to be sent (for items built in code rather than read from the input). */
export function reviewItemProblems(items: readonly ReviewItem[]): string[] {
  const result = reviewItemListSchema.safeParse(items)
  return result.success ? [] : result.error.issues.map((issue) => issue.message)
}

/**
 * The item the console fills in when nothing is given: the mini program's category (from get_category) and,
 * when known, its first page (from get_page). Undefined when the mini program has no category configured.
 */
export function defaultReviewItem(
  categories: readonly Category[],
  pages: readonly string[] = []
): ReviewItem | undefined {
  const category = categories[0]
  if (!category) return undefined
  const item: ReviewItem = {
    first_class: category.first_class,
    second_class: category.second_class,
    first_id: category.first_id,
    second_id: category.second_id
  }
  if (category.third_class) item.third_class = category.third_class
  if (category.third_id !== undefined) item.third_id = category.third_id
  const page = pages[0]
  if (page) item.address = page
  return item
}
