/**
 * Money is integer fen everywhere in Shoplet (DESIGN.md); only the display turns it into yuan.
 * Written by hand (no Intl) so the mini program, whose JavaScript engine may lack locale data,
 * shows exactly what the H5 shop and the console show.
 */
import { MONEY_LABELS } from './labels'

/** What a missing or impossible amount shows. */
export const MISSING = '—'

function toFen(fen: unknown): number | null {
  if (fen === null || fen === undefined || fen === '') return null
  const n = Number(fen)
  return Number.isSafeInteger(n) ? n : null
}

function group(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',')
}

/** 123456 -> "1,234.56"; 5 -> "0.05"; -250 -> "-2.50"; null or a non-integer -> "—". */
export function yuan(fen: unknown): string {
  const n = toFen(fen)
  if (n === null) return MISSING
  const abs = Math.abs(n)
  const sign = n < 0 ? '-' : ''
  return `${sign}${group(String(Math.floor(abs / 100)))}.${String(abs % 100).padStart(2, '0')}`
}

/** 123456 -> "¥1,234.56"; -250 -> "-¥2.50"; null or a non-integer -> "—". */
export function formatFen(fen: unknown): string {
  const text = yuan(fen)
  if (text === MISSING) return text
  return text.startsWith('-') ? `-¥${text.slice(1)}` : `¥${text}`
}

/**
 * A shipping fee as shown everywhere: "包邮" when it is zero (never "¥0.00"), the amount
 * otherwise, "—" when there is none.
 */
export function shippingText(fen: unknown): string {
  const n = toFen(fen)
  if (n === null) return MISSING
  return n === 0 ? FREE_SHIPPING : formatFen(n)
}

/** The word for a zero shipping fee. */
export const FREE_SHIPPING: string = MONEY_LABELS.freeShipping

/** The storefront's name for {@link formatFen}. */
export const price = formatFen

/** Yuan as typed in a form ("12", "12.5", "1,234.56") -> fen; null when it is not a price. */
export function parseYuan(text: unknown): number | null {
  const s = String(text ?? '')
    .trim()
    .replace(/,/g, '')
  if (!/^\d{1,9}(\.\d{1,2})?$/.test(s)) return null
  const [int = '0', frac = ''] = s.split('.')
  return Number(int) * 100 + Number(frac.padEnd(2, '0'))
}

/** A price filter: `{ min, max }` in fen (null: no bound), or `{ error }` naming what to correct. */
export type PriceRange = { min: number | null; max: number | null } | { error: string }

/**
 * The search page's price filter: the two texts a shopper typed (yuan, either may be empty) ->
 * both bounds in fen together, so a corrected range keeps the bound that was already right.
 */
export function priceRange(minText: unknown, maxText: unknown): PriceRange {
  const minRaw = String(minText ?? '').trim()
  const maxRaw = String(maxText ?? '').trim()
  const min = minRaw ? parseYuan(minRaw) : null
  const max = maxRaw ? parseYuan(maxRaw) : null
  if ((minRaw && min === null) || (maxRaw && max === null)) return { error: '请输入正确的价格' }
  if (min !== null && max !== null && min > max) return { error: '最低价不能高于最高价' }
  return { min, max }
}

/** Yuan as a number or string (12.3, "12.30") -> integer fen, rounded half away from zero. */
export function yuanToFen(amount: number | string): number {
  const value = typeof amount === 'string' ? Number(amount.trim()) : amount
  if (!Number.isFinite(value)) throw new RangeError(`not an amount: ${String(amount)}`)
  // Work on the decimal string so 0.1 + 0.2 style float noise cannot shift a fen.
  const [whole = '0', frac = ''] = Math.abs(value).toFixed(3).split('.')
  const thousandths = Number(whole) * 1000 + Number(frac.padEnd(3, '0'))
  const fen = Math.floor((thousandths + 5) / 10)
  return value < 0 ? -fen : fen
}

/** "开通SVIP省¥12.50": what a paid plan would save (fen). */
export function svipSavingText(fen: unknown): string {
  return `开通SVIP省${formatFen(fen)}`
}
