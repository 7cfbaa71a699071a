/**
 * Finding the boxes a person just ticked, from an `issues.edited` event: the body before the edit
 * (`changes.body.from`) and after it. Only a box that was unticked before and is ticked now counts, and
 * only when its marker is intact and its text is exactly the text the action renders for that marker.
 * Everything else is ignored: text edits, unticks, boxes typed without a valid marker, boxes whose text
 * was changed, markers that appear more than once, and lines inside code blocks.
 */
import { controlLabel } from './controls.js'
import { CONTROL_MARKER_PATTERN, parseControlParams } from './markers.js'
import type { ControlMarker } from './model.js'

export interface ParsedBox {
  checked: boolean
  /** The marker exactly as written (the identity of the box across the edit). */
  markerText: string
  marker: ControlMarker
  /** 1-based line number in the body. */
  line: number
}

/** A newly ticked box. */
export type Tick = ParsedBox

const BOX = /^\s{0,3}[-*+]\s+\[([ xX])\]\s+(<!--.*?-->)(.*)$/
const FENCE = /^\s{0,3}(`{3,}|~{3,})/

/** Every intact control box of a body (boxes with a broken marker or edited text are left out). */
export function parseBoxes(body: string | null | undefined): ParsedBox[] {
  const boxes: ParsedBox[] = []
  let fence: string | undefined
  const lines = (body ?? '').split(/\r?\n/)
  lines.forEach((line, index) => {
    const opening = FENCE.exec(line)?.[1]
    if (opening) {
      if (!fence) fence = opening
      else if (opening[0] === fence[0] && opening.length >= fence.length) fence = undefined
      return
    }
    if (fence) return
    const box = BOX.exec(line)
    if (!box) return
    const [, mark, markerText = '', label = ''] = box
    const params = CONTROL_MARKER_PATTERN.exec(markerText)
    if (!params || params[0] !== markerText) return
    const marker = parseControlParams(params[1] ?? '')
    if (!marker || label.trim() !== controlLabel(marker)) return
    boxes.push({ checked: mark !== ' ', markerText, marker, line: index + 1 })
  })
  return boxes
}

/** Boxes by marker, keeping only markers that occur once. */
function uniqueBoxes(body: string | null | undefined): Map<string, ParsedBox> {
  const seen = new Map<string, ParsedBox | undefined>()
  for (const box of parseBoxes(body)) {
    seen.set(box.markerText, seen.has(box.markerText) ? undefined : box)
  }
  const unique = new Map<string, ParsedBox>()
  for (const [text, box] of seen) if (box) unique.set(text, box)
  return unique
}

/**
 * The boxes ticked by this edit, in body order. `before` is `changes.body.from` (absent when only the
 * title changed: then nothing was ticked).
 */
export function findNewTicks(before: string | null | undefined, after: string | null | undefined): Tick[] {
  if (before === undefined || before === null) return []
  const previous = uniqueBoxes(before)
  const ticks: Tick[] = []
  for (const box of uniqueBoxes(after).values()) {
    const earlier = previous.get(box.markerText)
    if (box.checked && earlier && !earlier.checked) ticks.push(box)
  }
  return ticks.sort((a, b) => a.line - b.line)
}
