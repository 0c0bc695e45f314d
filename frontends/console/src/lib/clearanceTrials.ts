/**
 * Pure helpers of 清仓实验: the SKU ids typed in (4–40, comma- or space-separated, no repeats)
 * and the result table's rows (清仓率 in percent and percentage points, 每件库存毛利 in yuan).
 */
import { CLEARANCE_TRIAL_LABELS as L } from '@shoplet/shared'

export interface TrialComparison {
  plan_mean: number | null
  control_mean: number | null
  difference: number | null
  low: number | null
  high: number | null
  p_value: number | null
  pairs: number
}

export interface TrialResult {
  sell_through: TrialComparison
  margin_per_unit: TrialComparison
}

export interface TrialRow {
  metric: string
  plan: string
  control: string
  difference: string
  interval: string
  pValue: string
  pairs: number
}

const EMPTY = '—'

export function parseSkuIds(text: string): number[] | null {
  const parts = text.split(/[\s,，、]+/).filter(Boolean)
  const ids = parts.map((p) => Number(p))
  if (!ids.every((n) => Number.isInteger(n) && n > 0)) return null
  if (new Set(ids).size !== ids.length || ids.length < 4 || ids.length > 40) return null
  return ids
}

export function percentText(ratio: number | null): string {
  return ratio === null ? EMPTY : `${(ratio * 100).toFixed(1)}%`
}

function points(value: number | null): string {
  return value === null ? EMPTY : `${value >= 0 ? '+' : ''}${(value * 100).toFixed(1)} 个百分点`
}

function yuanText(fen: number | null, signed = false): string {
  if (fen === null) return EMPTY
  const sign = fen < 0 ? '-' : signed ? '+' : ''
  return `${sign}¥${(Math.abs(fen) / 100).toFixed(2)}`
}

function pText(p: number | null): string {
  if (p === null) return EMPTY
  return p < 0.001 ? '< 0.001' : p.toFixed(3)
}

function interval(c: TrialComparison, text: (v: number) => string): string {
  if (c.low !== null && c.high !== null) return `${text(c.low)} ~ ${text(c.high)}`
  return c.pairs > 0 && c.difference !== null ? L.fewPairs : EMPTY
}

export function trialRows(result: TrialResult): TrialRow[] {
  const s = result.sell_through
  const m = result.margin_per_unit
  return [
    {
      metric: L.sellThrough,
      plan: percentText(s.plan_mean),
      control: percentText(s.control_mean),
      difference: points(s.difference),
      interval: interval(s, points),
      pValue: pText(s.p_value),
      pairs: s.pairs,
    },
    {
      metric: L.marginPerUnit,
      plan: yuanText(m.plan_mean),
      control: yuanText(m.control_mean),
      difference: yuanText(m.difference, true),
      interval: interval(m, (v) => yuanText(v, true)),
      pValue: pText(m.p_value),
      pairs: m.pairs,
    },
  ]
}
