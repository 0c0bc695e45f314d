import { describe, expect, it } from 'vitest'
import { svipSavingText } from '@shoplet/shared'
import { isExcluded, planSaving } from '../../src/stores/svip'

// The product page's "开通SVIP省¥xx": the plan's discount, rounded half up as the backend does.
describe('svip saving', () => {
  it('takes the discount off the price, half up to the fen', () => {
    expect(planSaving(6900, 950)).toBe(345)
    expect(planSaving(1999, 950)).toBe(100) // 1899.05 -> 1899, saves 100
    expect(planSaving(1990, 1000)).toBe(0)
    expect(planSaving(0, 950)).toBe(0)
    expect(planSaving(null, 950)).toBe(0)
  })

  it('says it in the glossary’s words', () => {
    expect(svipSavingText(345)).toBe('开通SVIP省¥3.45')
  })
})

// Goods excluded from the member price show no hint: by product, or by category (the list
// already holds every subcategory).
describe('member-price exclusions', () => {
  const exclusions = { product_ids: [7], category_ids: [3, 4] }
  it('covers listed products and categories only', () => {
    expect(isExcluded({ id: 7, category_id: 1 }, exclusions)).toBe(true)
    expect(isExcluded({ id: 8, category_id: 4 }, exclusions)).toBe(true)
    expect(isExcluded({ id: 8, category_id: 1 }, exclusions)).toBe(false)
    expect(isExcluded(null, exclusions)).toBe(false)
    expect(isExcluded({ id: 7, category_id: 1 }, null)).toBe(false)
  })
})
