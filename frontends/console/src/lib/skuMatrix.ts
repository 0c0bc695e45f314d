/**
 * The SKU matrix: spec options (颜色: 黑/白 × 尺码: M/L) expand to one SKU per combination, and a
 * regenerated matrix keeps what the merchant already typed for the combinations that remain.
 */
import type { SkuAdmin, SpecValue } from '@/api/types'

export interface SpecDefinition {
  name: string
  values: string[]
}

/** One editable row of the matrix; money in yuan while editing (converted to fen on save). */
export interface SkuRow {
  key: string
  id?: number
  specs: SpecValue[]
  price: number
  original_price: number
  barcode: string
  weight_grams: number
  /** Cost to the shop in yuan (promotions never sell below it); null/undefined: not known. */
  cost_price?: number | null
  stock: number
  /** Current stock of a saved SKU (changed through stock adjustments, not this form). */
  on_hand?: number
  available?: number
}

export const MAX_SKUS = 200

/** Trimmed names and values, empty ones and duplicate values dropped, empty specs dropped. */
export function normaliseSpecs(specs: SpecDefinition[]): SpecDefinition[] {
  const result: SpecDefinition[] = []
  for (const spec of specs) {
    const name = spec.name.trim()
    const values = [...new Set(spec.values.map((v) => v.trim()).filter(Boolean))]
    if (name && values.length) result.push({ name, values })
  }
  return result
}

/** Problems that stop a matrix from being generated, in Chinese, for the form. */
export function specProblems(specs: SpecDefinition[]): string[] {
  const problems: string[] = []
  const names = new Set<string>()
  for (const spec of specs) {
    const name = spec.name.trim()
    const values = spec.values.map((v) => v.trim()).filter(Boolean)
    if (!name && values.length) problems.push('规格名不能为空')
    if (name && !values.length) problems.push(`规格「${name}」至少需要一个规格值`)
    if (name && names.has(name)) problems.push(`规格名「${name}」重复`)
    if (name) names.add(name)
  }
  const count = combinationCount(specs)
  if (count > MAX_SKUS) problems.push(`规格组合共 ${count} 个，超过上限 ${MAX_SKUS}`)
  return problems
}

export function combinationCount(specs: SpecDefinition[]): number {
  return normaliseSpecs(specs).reduce((n, spec) => n * spec.values.length, 1)
}

/** Every combination, in the order the options were entered (the first spec varies slowest). */
export function cartesian(specs: SpecDefinition[]): SpecValue[][] {
  let combos: SpecValue[][] = [[]]
  for (const spec of normaliseSpecs(specs)) {
    const next: SpecValue[][] = []
    for (const combo of combos) {
      for (const value of spec.values) next.push([...combo, { name: spec.name, value }])
    }
    combos = next
  }
  return combos
}

/** A stable key for a combination: "颜色=黑|尺码=M" (order-insensitive). */
export function comboKey(specs: SpecValue[]): string {
  return [...specs]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((s) => `${s.name}=${s.value}`)
    .join('|')
}

/** "颜色:黑 / 尺码:M", as the storefront shows it. */
export function specText(specs: SpecValue[]): string {
  return specs.length ? specs.map((s) => `${s.name}:${s.value}`).join(' / ') : '默认规格'
}

export interface RowDefaults {
  price: number
  original_price: number
  weight_grams: number
  stock: number
}

export const EMPTY_DEFAULTS: RowDefaults = { price: 0, original_price: 0, weight_grams: 0, stock: 0 }

/**
 * The matrix for `specs`: existing rows whose combination survives are kept as they are (ids,
 * prices, barcodes), new combinations get `defaults`, vanished combinations are dropped.
 */
export function buildMatrix(
  specs: SpecDefinition[],
  existing: SkuRow[] = [],
  defaults: RowDefaults = EMPTY_DEFAULTS,
): SkuRow[] {
  const byKey = new Map(existing.map((row) => [comboKey(row.specs), row]))
  return cartesian(specs).map((combo) => {
    const key = comboKey(combo)
    const kept = byKey.get(key)
    if (kept) return { ...kept, key, specs: combo }
    return { key, specs: combo, barcode: '', ...defaults }
  })
}

/** Spec definitions recovered from saved SKUs (names and values in order of first appearance). */
export function specsFromSkus(skus: Pick<SkuAdmin, 'specs'>[]): SpecDefinition[] {
  const specs: SpecDefinition[] = []
  for (const sku of skus) {
    for (const { name, value } of sku.specs) {
      let spec = specs.find((s) => s.name === name)
      if (!spec) {
        spec = { name, values: [] }
        specs.push(spec)
      }
      if (!spec.values.includes(value)) spec.values.push(value)
    }
  }
  return specs
}

/** Saved SKUs as editable rows (fen -> yuan). */
export function rowsFromSkus(skus: SkuAdmin[]): SkuRow[] {
  // Deactivated SKUs (left out of an earlier save) stay out; saving without them keeps them so.
  return skus.filter((sku) => sku.is_active).map((sku) => ({
    key: comboKey(sku.specs),
    id: sku.id,
    specs: sku.specs,
    price: sku.price / 100,
    original_price: sku.original_price / 100,
    barcode: sku.barcode ?? '',
    weight_grams: sku.weight_grams,
    cost_price: sku.cost_price === null || sku.cost_price === undefined ? null : sku.cost_price / 100,
    stock: sku.on_hand,
    on_hand: sku.on_hand,
    available: sku.available,
  }))
}

/** Problems in the rows themselves (prices, barcodes), in Chinese. */
export function rowProblems(rows: SkuRow[]): string[] {
  const problems: string[] = []
  if (!rows.length) problems.push('至少需要一个 SKU')
  const barcodes = new Map<string, number>()
  rows.forEach((row, index) => {
    const name = `第 ${index + 1} 行（${specText(row.specs)}）`
    if (!(row.price > 0)) problems.push(`${name}：售价必须大于 0`)
    if (row.original_price && row.original_price < row.price) {
      problems.push(`${name}：划线价不能低于售价`)
    }
    if (row.stock < 0 || !Number.isInteger(row.stock)) problems.push(`${name}：库存必须是非负整数`)
    const barcode = row.barcode.trim()
    if (barcode && !/^\d{8,14}$/.test(barcode)) problems.push(`${name}：条码需为 8–14 位数字`)
    else if (barcode) {
      if (barcodes.has(barcode)) problems.push(`${name}：条码与第 ${barcodes.get(barcode)} 行重复`)
      else barcodes.set(barcode, index + 1)
    }
  })
  return problems
}
