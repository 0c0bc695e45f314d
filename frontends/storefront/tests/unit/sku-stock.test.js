import { describe, expect, it } from 'vitest'
import { LOW_STOCK, specOptions, stockText, valueStock } from '../../src/utils/sku'

const shirt = {
  specs: [
    { name: '颜色', values: ['黑色', '白色', '红色'] },
    { name: '尺码', values: ['M', 'L'] },
  ],
  skus: [
    { id: 1, specs: [{ name: '颜色', value: '黑色' }, { name: '尺码', value: 'M' }], price: 9900, available: 40 },
    { id: 2, specs: [{ name: '颜色', value: '黑色' }, { name: '尺码', value: 'L' }], price: 9900, available: 2 },
    { id: 3, specs: [{ name: '颜色', value: '白色' }, { name: '尺码', value: 'M' }], price: 9900, available: 0 },
    { id: 4, specs: [{ name: '颜色', value: '白色' }, { name: '尺码', value: 'L' }], price: 9900, available: 0 },
    { id: 5, specs: [{ name: '颜色', value: '红色' }, { name: '尺码', value: 'M' }], price: 9900, available: 7 },
  ],
}

describe('SKU sheet stock per option', () => {
  it('sums the stock of an option over the SKUs that match the other choices', () => {
    expect(valueStock(shirt, { 颜色: null, 尺码: null }, '颜色', '黑色')).toBe(42)
    expect(valueStock(shirt, { 颜色: '黑色', 尺码: 'M' }, '尺码', 'L')).toBe(2)
    expect(valueStock(shirt, { 颜色: '红色', 尺码: 'M' }, '尺码', 'L')).toBe(0)
    expect(valueStock(shirt, { 颜色: null, 尺码: 'M' }, '颜色', '白色')).toBe(0)
  })

  it('disables sold-out options and says 仅剩 N 件 when low', () => {
    const [color, size] = specOptions(shirt, { 颜色: '黑色', 尺码: 'M' })
    expect(color.values).toEqual([
      { value: '黑色', stock: 40, disabled: false, selected: true, note: '' },
      { value: '白色', stock: 0, disabled: true, selected: false, note: '无货' },
      { value: '红色', stock: 7, disabled: false, selected: false, note: '仅剩 7 件' },
    ])
    expect(size.values.map((v) => [v.value, v.note, v.disabled])).toEqual([
      ['M', '', false],
      ['L', '仅剩 2 件', false],
    ])
    // With red chosen, L has no red SKU at all: disabled.
    const [, redSize] = specOptions(shirt, { 颜色: '红色', 尺码: 'M' })
    expect(redSize.values.map((v) => [v.value, v.disabled, v.note])).toEqual([
      ['M', false, '仅剩 7 件'],
      ['L', true, '无货'],
    ])
  })

  it('the low-stock line starts at LOW_STOCK units', () => {
    const sku = (available) => ({ id: 9, specs: [], price: 1, available })
    const one = { specs: [], skus: [sku(LOW_STOCK)] }
    expect(stockText(one, one.skus[0])).toBe(`仅剩 ${LOW_STOCK} 件`)
    const many = { specs: [], skus: [sku(LOW_STOCK + 1)] }
    expect(stockText(many, many.skus[0])).toBe(`库存 ${LOW_STOCK + 1} 件`)
    const none = { specs: [], skus: [sku(0)] }
    expect(stockText(none, none.skus[0])).toBe('已售罄')
    expect(stockText(shirt, shirt.skus[2])).toBe('暂时无货')
    expect(stockText(shirt, null)).toBe('')
  })
})
