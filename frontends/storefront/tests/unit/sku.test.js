import { describe, expect, it } from 'vitest'
import { choiceText, findSku, initialChoice, isValueAvailable, priceRange } from '../../src/utils/sku'

const phone = {
  specs: [
    { name: '颜色', values: ['黑色', '白色'] },
    { name: '容量', values: ['128G', '256G'] },
  ],
  skus: [
    { id: 11, specs: [{ name: '颜色', value: '黑色' }, { name: '容量', value: '128G' }], price: 399900, available: 0 },
    { id: 12, specs: [{ name: '颜色', value: '黑色' }, { name: '容量', value: '256G' }], price: 449900, available: 3 },
    { id: 13, specs: [{ name: '颜色', value: '白色' }, { name: '容量', value: '128G' }], price: 399900, available: 8 },
  ],
}

describe('sku selection', () => {
  it('starts on the first SKU with stock', () => {
    expect(initialChoice(phone)).toEqual({ 颜色: '黑色', 容量: '256G' })
  })

  it('finds the SKU only for a complete choice', () => {
    expect(findSku(phone, { 颜色: '白色', 容量: '128G' }).id).toBe(13)
    expect(findSku(phone, { 颜色: '白色', 容量: null })).toBe(null)
    expect(findSku(phone, { 颜色: '白色', 容量: '256G' })).toBe(null)
  })

  it('disables values that have no stock with the other choices', () => {
    const chosen = { 颜色: '黑色', 容量: null }
    expect(isValueAvailable(phone, chosen, '容量', '128G')).toBe(false)
    expect(isValueAvailable(phone, chosen, '容量', '256G')).toBe(true)
    expect(isValueAvailable(phone, { 颜色: '白色', 容量: null }, '容量', '256G')).toBe(false)
    expect(isValueAvailable(phone, { 颜色: null, 容量: '128G' }, '颜色', '白色')).toBe(true)
  })

  it('describes the choice and the price range', () => {
    expect(choiceText(phone, { 颜色: '白色', 容量: '128G' })).toBe('白色 / 128G')
    expect(choiceText(phone, { 颜色: null, 容量: '128G' })).toBe('128G')
    expect(priceRange(phone)).toEqual({ min: 399900, max: 449900 })
  })

  it('handles a product with one SKU and no specs', () => {
    const simple = { specs: [], skus: [{ id: 1, specs: [], price: 990, available: 2 }] }
    expect(findSku(simple, initialChoice(simple)).id).toBe(1)
  })

  it('leaves everything unchosen when nothing is in stock', () => {
    const soldOut = { ...phone, skus: phone.skus.map((s) => ({ ...s, available: 0 })) }
    expect(initialChoice(soldOut)).toEqual({ 颜色: null, 容量: null })
  })
})
