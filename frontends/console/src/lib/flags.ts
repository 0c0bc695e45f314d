/**
 * Feature flags in the console: each targeting rule is edited as one line (a type, a condition
 * typed as text, the variant it serves) and turned into the backend's rule here, so the view
 * stays thin and the parsing is unit-tested.
 */
import type { FlagUpdate } from '@/api/types'

export type FlagRule = NonNullable<FlagUpdate['rules']>[number]
export type RuleType = FlagRule['type']
export const RULE_TYPES: RuleType[] = ['staff', 'allow', 'deny', 'platform', 'app_version', 'segment', 'percentage']

export interface RuleForm {
  type: RuleType
  value: string
  variant: string
}

const ids = (text: string, what: string): number[] => {
  const parts = text.split(/[,，\s]+/).filter(Boolean)
  if (!parts.length) throw new Error(`请填写${what}`)
  return parts.map((p) => {
    const n = Number(p)
    if (!Number.isInteger(n) || n < 1) throw new Error(`${what}须为正整数：${p}`)
    return n
  })
}

/** The segment ids typed in a segment rule's text (what the picker shows selected). */
export function segmentIdsOf(text: string): number[] {
  return text
    .split(/[,，\s]+/)
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0)
}

const VERSION = /^\d{1,6}(\.\d{1,6}){0,3}$/

/** One rule line -> the backend's rule; throws an Error whose message says what is wrong. */
export function formToRule(form: RuleForm): FlagRule {
  const value = form.value.trim()
  switch (form.type) {
    case 'staff':
      return { type: 'staff', variant: form.variant }
    case 'allow':
      return { type: 'allow', member_ids: ids(value, '会员 ID'), variant: form.variant }
    case 'deny':
      return { type: 'deny', member_ids: ids(value, '会员 ID') }
    case 'segment':
      return { type: 'segment', segment_ids: ids(value, '分群 ID'), variant: form.variant }
    case 'platform': {
      const platforms = value.split(/[,，\s]+/).filter(Boolean)
      if (!platforms.length) throw new Error('请填写平台，如 mp-weixin, h5')
      return { type: 'platform', platforms, variant: form.variant }
    }
    case 'app_version': {
      const [low = '', high = ''] = value.split(/\s*[-~～]\s*/)
      if ((low && !VERSION.test(low)) || (high && !VERSION.test(high)) || (!low && !high)) {
        throw new Error('版本范围格式如 2.3.0-2.9（可只填一端）')
      }
      return { type: 'app_version', min: low || null, max: high || null, variant: form.variant }
    }
    case 'percentage': {
      const percent = Number(value)
      if (value === '' || !Number.isFinite(percent) || percent < 0 || percent > 100) {
        throw new Error('比例须在 0–100 之间')
      }
      return { type: 'percentage', percent, variant: form.variant, release: false }
    }
  }
}

/** The backend's rule -> one editable line. */
export function ruleToForm(rule: Record<string, unknown>, offVariant: string): RuleForm {
  const type = rule.type as RuleType
  const variant = typeof rule.variant === 'string' ? rule.variant : offVariant
  const list = (key: string): string => ((rule[key] as unknown[] | undefined) ?? []).join(', ')
  switch (type) {
    case 'allow':
    case 'deny':
      return { type, value: list('member_ids'), variant }
    case 'segment':
      return { type, value: list('segment_ids'), variant }
    case 'platform':
      return { type, value: list('platforms'), variant }
    case 'app_version':
      return { type, value: `${(rule.min as string | null) ?? ''}-${(rule.max as string | null) ?? ''}`, variant }
    case 'percentage':
      return { type, value: String(rule.percent ?? ''), variant }
    default:
      return { type, value: '', variant }
  }
}

/** "1, 5, 25, 100" -> [1, 5, 25, 100]; throws unless the steps grow within (0, 100]. */
export function parseSteps(text: string): number[] {
  const steps = text.split(/[,，\s]+/).filter(Boolean).map(Number)
  const ok = steps.length > 0 && steps.every((s, i) => Number.isFinite(s) && s > 0 && s <= 100 && (i === 0 || s > steps[i - 1]!))
  if (!ok) throw new Error('放量步骤须逐步增大，大于 0 且至多 100，如 1, 5, 25, 100')
  return steps
}

/** A rule as one line of text in the list (type label resolved by the caller). */
export function ruleSummary(form: RuleForm): string {
  return form.value ? `${form.value} → ${form.variant}` : `→ ${form.variant}`
}
