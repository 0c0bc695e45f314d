/**
 * 批量设置 of the SKU matrix: one price, original price, stock or barcode for all SKUs or the
 * selected ones. Money is in yuan while editing (rounded to the fen here); stock only reaches
 * SKUs that are not saved yet (saved SKUs change stock through a stock adjustment); a barcode
 * is numbered on from the one typed (6901234567890, …891, …892) because SKUs may not share one.
 */
import type { SkuRow } from './skuMatrix'

export interface BatchValues {
  price: number | null | undefined
  original_price: number | null | undefined
  stock: number | null | undefined
  barcode: string
}

export interface BatchOutcome {
  rows: SkuRow[]
  /** How many rows the batch reached. */
  applied: number
  /** Saved SKUs whose stock was left alone. */
  stockSkipped: number
  /** Why nothing was applied, in Chinese; null when it was. */
  error: string | null
}

const BARCODE = /^\d{8,14}$/

export function roundYuan(value: number): number {
  return Math.round(value * 100) / 100
}

/** `count` barcodes from `first`, numbered on with the same length; null when they overflow. */
export function barcodeSeries(first: string, count: number): string[] | null {
  if (!BARCODE.test(first)) return null
  const start = BigInt(first)
  const out: string[] = []
  for (let i = 0; i < count; i++) {
    const code = (start + BigInt(i)).toString().padStart(first.length, '0')
    if (code.length > first.length) return null
    out.push(code)
  }
  return out
}

function given(value: number | null | undefined): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0
}

export function batchIsEmpty(batch: BatchValues): boolean {
  return !given(batch.price) && !given(batch.original_price) && !given(batch.stock) && !batch.barcode.trim()
}

/** Apply `batch` to the rows whose key is in `selected` (all rows when none is selected). */
export function applyBatch(rows: SkuRow[], batch: BatchValues, selected: ReadonlySet<string> = new Set()): BatchOutcome {
  const targets = rows.filter((row) => selected.size === 0 || selected.has(row.key))
  const none = { rows, applied: 0, stockSkipped: 0 }
  if (batchIsEmpty(batch)) return { ...none, error: '请先填写要批量设置的值' }
  const price = given(batch.price) ? roundYuan(batch.price) : null
  const original = given(batch.original_price) ? roundYuan(batch.original_price) : null
  if (price !== null && original !== null && original > 0 && original < price) {
    return { ...none, error: '划线价不能低于售价' }
  }
  const barcode = batch.barcode.trim()
  let codes: string[] | null = null
  if (barcode) {
    codes = barcodeSeries(barcode, targets.length)
    if (codes === null) return { ...none, error: '条码须为 8–14 位数字，且顺延后位数不变' }
  }
  const stock = given(batch.stock) ? Math.floor(batch.stock) : null
  let stockSkipped = 0
  let index = 0
  const byKey = new Map<string, SkuRow>()
  for (const row of targets) {
    const next: SkuRow = { ...row }
    if (price !== null) next.price = price
    if (original !== null) next.original_price = original
    if (stock !== null) {
      if (row.id === undefined) next.stock = stock
      else stockSkipped++
    }
    if (codes) next.barcode = codes[index]!
    index++
    byKey.set(row.key, next)
  }
  return {
    rows: rows.map((row) => byKey.get(row.key) ?? row),
    applied: targets.length,
    stockSkipped,
    error: null,
  }
}

/** The lowest price of the rows (yuan) and the original price of that SKU: the card's price. */
export function cardPrice(rows: Pick<SkuRow, 'price' | 'original_price'>[]): { price: number; original: number } | null {
  const priced = rows.filter((r) => r.price > 0)
  if (!priced.length) return null
  const cheapest = priced.reduce((a, b) => (b.price < a.price ? b : a))
  return { price: cheapest.price, original: Math.max(cheapest.original_price, cheapest.price) }
}
