/**
 * 批量改价: the same arithmetic as the backend (catalog/service/price_changes.py), to preview
 * what a change does before it is sent. Money in fen; a percent change is sent in hundredths of
 * a percent (-10 % -> -1000) and rounds half up to the fen; no price goes below 1 fen.
 */
import { yuanToFen } from './money'

export type PriceMode = 'set' | 'add' | 'percent'

export const PERCENT_SCALE = 10_000
export const MIN_PERCENT = -99.99
export const MAX_PERCENT = 1000

export function changedPrice(priceFen: number, mode: PriceMode, value: number): number {
  let next: number
  if (mode === 'set') next = value
  else if (mode === 'add') next = priceFen + value
  else next = Math.floor((priceFen * (PERCENT_SCALE + value) * 2 + PERCENT_SCALE) / (2 * PERCENT_SCALE))
  return Math.max(1, next)
}

/** What the form holds (yuan for set/add, a percentage for percent) -> the request's value. */
export function requestValue(mode: PriceMode, input: number): number {
  if (mode === 'percent') return Math.round(input * 100)
  return yuanToFen(input)
}

/** Why the input cannot be sent, in Chinese; null when it can. */
export function priceChangeProblem(mode: PriceMode, input: number | null | undefined): string | null {
  if (input === null || input === undefined || !Number.isFinite(input)) return '请填写数值'
  if (mode === 'set' && input < 0.01) return '新价格至少 0.01 元'
  if (mode === 'add' && input === 0) return '调整金额不能为 0'
  if (mode === 'percent') {
    if (input === 0) return '调整比例不能为 0'
    if (input < MIN_PERCENT || input > MAX_PERCENT) return `调整比例须在 ${MIN_PERCENT}% 到 ${MAX_PERCENT}% 之间`
  }
  return null
}

export const PRICE_MODE_LABELS: Readonly<Record<PriceMode, string>> = {
  set: '统一设为（元）',
  add: '加减金额（元）',
  percent: '按百分比（%）',
}
