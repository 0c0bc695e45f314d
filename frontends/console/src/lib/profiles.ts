/**
 * The console's side of the condition language (docs/analytics.md, "Profiles, tags, segments,
 * clusters"): editor rows ⇄ the JSON the backend checks. The editor builds one level (全部条件 /
 * 任一条件 over rows); money is typed in yuan and sent in fen. The backend re-checks everything
 * and answers `analytics.condition_invalid` with the path of the first problem.
 */
import { CONDITION_OP_LABELS, PROFILE_FIELD_LABELS, label } from '@shoplet/shared'

export type FieldKind = 'number' | 'text' | 'list'

export const FIELD_KINDS: Record<string, FieldKind> = {
  order_count: 'number',
  orders_90d: 'number',
  spend: 'number',
  spend_90d: 'number',
  aov: 'number',
  days_since_last_purchase: 'number',
  days_since_first_purchase: 'number',
  price_sensitivity: 'number',
  coupon_count: 'number',
  days_since_active: 'number',
  region: 'text',
  platform: 'text',
  channel: 'text',
  rfm_class: 'text',
  social_role: 'text',
  categories: 'list',
}

export const MONEY_FIELDS = new Set(['spend', 'spend_90d', 'aov'])

export const OPERATORS: Record<FieldKind, string[]> = {
  number: ['gte', 'gt', 'lte', 'lt', 'eq', 'ne'],
  text: ['eq', 'ne', 'in', 'not_in', 'prefix'],
  list: ['contains', 'not_contains'],
}

export type Condition =
  | { field: string; op: string; value: number | string | string[] }
  | { tag: string }
  | { all: Condition[] }
  | { any: Condition[] }

export interface Row {
  type: 'field' | 'tag'
  field: string
  op: string
  value: string
  tag: string
}

export function newRow(type: 'field' | 'tag' = 'field'): Row {
  return { type, field: 'spend_90d', op: 'gte', value: '', tag: '' }
}

/** The row's value as the backend takes it (yuan → fen for money; lists split on commas). */
export function rowValue(row: Row): number | string | string[] {
  const kind = FIELD_KINDS[row.field] ?? 'text'
  const text = row.value.trim()
  if (kind === 'number') {
    const n = Number(text)
    if (text === '' || !Number.isFinite(n)) return text
    return MONEY_FIELDS.has(row.field) ? Math.round(n * 100) : Math.trunc(n)
  }
  if (row.op === 'in' || row.op === 'not_in') {
    return text.split(/[,，]/).map((v) => v.trim()).filter(Boolean)
  }
  return text
}

/** The JSON of the editor's rows, or null when there is none. */
export function buildCondition(match: 'all' | 'any', rows: Row[]): Condition | null {
  const parts: Condition[] = rows.map((row) =>
    row.type === 'tag' ? { tag: row.tag } : { field: row.field, op: row.op, value: rowValue(row) },
  )
  if (!parts.length) return null
  if (match === 'any') return { any: parts }
  return { all: parts }
}

/** Editor rows of a saved condition (one level; a nested group is shown as text only). */
export function rowsOf(condition: unknown): { match: 'all' | 'any'; rows: Row[] } {
  const c = (condition ?? {}) as Record<string, unknown>
  const match: 'all' | 'any' = 'any' in c ? 'any' : 'all'
  const list = (Array.isArray(c[match]) ? c[match] : [c]) as Record<string, unknown>[]
  const rows: Row[] = []
  for (const item of list) {
    if (typeof item.tag === 'string') rows.push({ ...newRow('tag'), tag: item.tag })
    else if (typeof item.field === 'string') {
      const field = item.field
      let value = item.value
      if (typeof value === 'number' && MONEY_FIELDS.has(field)) value = value / 100
      rows.push({
        type: 'field',
        field,
        op: String(item.op),
        value: Array.isArray(value) ? value.join(',') : String(value ?? ''),
        tag: '',
      })
    }
  }
  return { match, rows }
}

/** A condition in words, for tables: 累计消费（元） 大于等于 1000 且 拥有标签 vip. */
export function describe(condition: unknown): string {
  const c = (condition ?? {}) as Record<string, unknown>
  if (Array.isArray(c.all)) return c.all.map(describeNested).join(' 且 ')
  if (Array.isArray(c.any)) return c.any.map(describeNested).join(' 或 ')
  if (typeof c.tag === 'string') return `拥有标签 ${c.tag}`
  if (typeof c.field === 'string') {
    let value = c.value
    if (typeof value === 'number' && MONEY_FIELDS.has(c.field)) value = value / 100
    const shown = Array.isArray(value) ? value.join('、') : String(value)
    return `${label(PROFILE_FIELD_LABELS, c.field)} ${label(CONDITION_OP_LABELS, String(c.op))} ${shown}`
  }
  return ''
}

function describeNested(c: unknown): string {
  const item = (c ?? {}) as Record<string, unknown>
  return Array.isArray(item.all) || Array.isArray(item.any) ? `（${describe(item)}）` : describe(item)
}

/** Member ids typed as "1, 2，3": the positive whole numbers, once each, in order. */
export function parseIds(text: string): number[] {
  const out: number[] = []
  for (const part of text.split(/[\s,，]+/)) {
    const n = Number(part)
    if (part && Number.isInteger(n) && n > 0 && !out.includes(n)) out.push(n)
  }
  return out
}
