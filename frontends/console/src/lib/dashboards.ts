/**
 * Pure helpers of the 销售看板 pages: the URL query of each level (filters kept while drilling
 * down), a tile's value as people read it and its change against the period before.
 */
import { formatFen } from '@shoplet/shared'
import { changeRatio, formatRatio } from './money'

export type Level = 'shop' | 'category' | 'product'

export interface Filters {
  days: number
  categoryId?: number
  productId?: number
}

export function filtersFromQuery(query: Record<string, unknown>): Filters {
  const number = (v: unknown): number | undefined => {
    const n = Number(v)
    return Number.isInteger(n) && n > 0 ? n : undefined
  }
  const days = number(query.days)
  return { days: days && days <= 90 ? days : 7, categoryId: number(query.category), productId: number(query.product) }
}

/** Where a row of ``level`` drills to: the next level, keeping the period and the category. */
export function drillTo(level: Level, filters: Filters, id: number): { path: string; query: Record<string, string> } {
  if (level === 'shop') return { path: '/insights/dashboards/category', query: { days: String(filters.days), category: String(id) } }
  return {
    path: '/insights/dashboards/product',
    query: { days: String(filters.days), category: String(filters.categoryId ?? ''), product: String(id) },
  }
}

export function tileValue(value: number | null, unit: string): string {
  if (value === null) return '—'
  if (unit === '分') return formatFen(value)
  return `${value.toLocaleString('zh-CN')} ${unit}`
}

export function tileChange(value: number | null, previous: number | null): string {
  if (value === null || previous === null) return '—'
  return formatRatio(changeRatio(value, previous))
}
