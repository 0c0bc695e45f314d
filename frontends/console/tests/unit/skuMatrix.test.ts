import { describe, expect, it } from 'vitest'
import type { SkuAdmin } from '@/api/types'
import {
  buildMatrix,
  cartesian,
  combinationCount,
  comboKey,
  MAX_SKUS,
  normaliseSpecs,
  rowProblems,
  rowsFromSkus,
  specProblems,
  specsFromSkus,
  specText,
  type SkuRow,
} from '@/lib/skuMatrix'

const COLOUR_SIZE = [
  { name: '颜色', values: ['黑', '白'] },
  { name: '尺码', values: ['M', 'L'] },
]

describe('cartesian', () => {
  it('expands 颜色 × 尺码 in entry order, first spec slowest', () => {
    expect(cartesian(COLOUR_SIZE)).toEqual([
      [{ name: '颜色', value: '黑' }, { name: '尺码', value: 'M' }],
      [{ name: '颜色', value: '黑' }, { name: '尺码', value: 'L' }],
      [{ name: '颜色', value: '白' }, { name: '尺码', value: 'M' }],
      [{ name: '颜色', value: '白' }, { name: '尺码', value: 'L' }],
    ])
  })

  it('gives one empty combination without specs (a single default SKU)', () => {
    expect(cartesian([])).toEqual([[]])
    expect(cartesian([{ name: ' ', values: [] }])).toEqual([[]])
  })

  it('trims, drops blanks and duplicate values', () => {
    expect(normaliseSpecs([{ name: ' 容量 ', values: ['64G', ' 64G', '', '128G'] }])).toEqual([
      { name: '容量', values: ['64G', '128G'] },
    ])
    expect(combinationCount([{ name: '颜色', values: ['黑', '黑', '白'] }, { name: '尺码', values: ['S', 'M', 'L'] }])).toBe(6)
  })
})

describe('specProblems', () => {
  it('accepts a clean matrix', () => {
    expect(specProblems(COLOUR_SIZE)).toEqual([])
  })

  it('names the problems', () => {
    expect(
      specProblems([
        { name: '颜色', values: ['黑'] },
        { name: '颜色', values: ['白'] },
        { name: '', values: ['x'] },
        { name: '尺码', values: [' '] },
      ]),
    ).toEqual(['规格名「颜色」重复', '规格名不能为空', '规格「尺码」至少需要一个规格值'])
  })

  it('refuses more combinations than the backend accepts', () => {
    const many = [
      { name: 'a', values: Array.from({ length: 15 }, (_, i) => `a${i}`) },
      { name: 'b', values: Array.from({ length: 14 }, (_, i) => `b${i}`) },
    ]
    expect(combinationCount(many)).toBe(210)
    expect(specProblems(many)).toEqual([`规格组合共 210 个，超过上限 ${MAX_SKUS}`])
  })
})

describe('buildMatrix', () => {
  it('creates a row per combination with the defaults', () => {
    const rows = buildMatrix(COLOUR_SIZE, [], { price: 99, original_price: 129, weight_grams: 300, stock: 10 })
    expect(rows.map((r) => r.key)).toEqual(['尺码=M|颜色=黑', '尺码=L|颜色=黑', '尺码=M|颜色=白', '尺码=L|颜色=白'])
    expect(rows[0]).toEqual({
      key: '尺码=M|颜色=黑',
      specs: [{ name: '颜色', value: '黑' }, { name: '尺码', value: 'M' }],
      barcode: '',
      price: 99,
      original_price: 129,
      weight_grams: 300,
      stock: 10,
    })
  })

  it('keeps what was typed for surviving combinations and drops vanished ones', () => {
    const first = buildMatrix(COLOUR_SIZE)
    const typed: SkuRow[] = first.map((row, i) => ({ ...row, price: 10 + i, barcode: `690000000000${i}` }))
    typed[0] = { ...typed[0]!, id: 7 }
    const next = buildMatrix([{ name: '颜色', values: ['黑', '蓝'] }, { name: '尺码', values: ['M', 'L'] }], typed)
    expect(next.map((r) => [r.key, r.id, r.price, r.barcode])).toEqual([
      ['尺码=M|颜色=黑', 7, 10, '6900000000000'],
      ['尺码=L|颜色=黑', undefined, 11, '6900000000001'],
      ['尺码=M|颜色=蓝', undefined, 0, ''],
      ['尺码=L|颜色=蓝', undefined, 0, ''],
    ])
  })

  it('matches combinations regardless of spec order', () => {
    expect(comboKey([{ name: '尺码', value: 'M' }, { name: '颜色', value: '黑' }])).toBe(
      comboKey([{ name: '颜色', value: '黑' }, { name: '尺码', value: 'M' }]),
    )
  })
})

describe('saved SKUs', () => {
  const sku = (id: number, colour: string, price: number, barcode: string | null, on_hand: number, is_active = true): SkuAdmin => ({
    id, specs: [{ name: '颜色', value: colour }, { name: '尺码', value: 'M' }], price, original_price: 12900, barcode,
    weight_grams: 200, image: null, is_active, on_hand, reserved: 0, available: on_hand,
  })
  const skus = [sku(1, '黑', 9900, '6901', 5), sku(2, '白', 10050, null, 0), sku(3, '红', 9900, null, 9, false)]

  it('recovers the spec options', () => {
    expect(specsFromSkus(skus)).toEqual([
      { name: '颜色', values: ['黑', '白', '红'] },
      { name: '尺码', values: ['M'] },
    ])
  })

  it('leaves deactivated SKUs out of the editable rows', () => {
    expect(rowsFromSkus(skus).map((r) => r.id)).toEqual([1, 2])
  })

  it('turns fen into yuan rows with ids and stock', () => {
    expect(rowsFromSkus(skus)[1]).toEqual({
      key: '尺码=M|颜色=白',
      id: 2,
      specs: skus[1]!.specs,
      price: 100.5,
      original_price: 129,
      barcode: '',
      weight_grams: 200,
      cost_price: null,
      stock: 0,
      on_hand: 0,
      available: 0,
    })
  })

  it('formats spec text like the storefront', () => {
    expect(specText(skus[0]!.specs)).toBe('颜色:黑 / 尺码:M')
    expect(specText([])).toBe('默认规格')
  })
})

describe('rowProblems', () => {
  it('checks prices, stock and duplicate barcodes', () => {
    const base = { key: 'k', specs: [{ name: '颜色', value: '黑' }], weight_grams: 0 }
    expect(
      rowProblems([
        { ...base, price: 0, original_price: 0, barcode: '', stock: 1 },
        { ...base, price: 10, original_price: 5, barcode: '123', stock: -1 },
        { ...base, price: 10, original_price: 0, barcode: ' 69012345 ', stock: 1.5 },
        { ...base, price: 10, original_price: 0, barcode: '69012345', stock: 1 },
      ]),
    ).toEqual([
      '第 1 行（颜色:黑）：售价必须大于 0',
      '第 2 行（颜色:黑）：划线价不能低于售价',
      '第 2 行（颜色:黑）：库存必须是非负整数',
      '第 2 行（颜色:黑）：条码需为 8–14 位数字',
      '第 3 行（颜色:黑）：库存必须是非负整数',
      '第 4 行（颜色:黑）：条码与第 3 行重复',
    ])
    expect(rowProblems([])).toEqual(['至少需要一个 SKU'])
  })
})
