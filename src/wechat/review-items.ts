/**
 * The review items of submit_audit (`item_list`), defined once. Categories are required and the page is
 * optional: "类目是必填的" and `address`, `tag`, `title` optional on the current page
 * (developers.weixin.qq.com/doc/oplatform/openApi/miniprogram-management/code-management/api_submitaudit;
 * WxJava `WxMaCodeSubmitAuditItem`).
 */
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
