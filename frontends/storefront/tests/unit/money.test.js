import { describe, expect, it } from 'vitest'
import { formatFen, parseYuan, price, priceRange, yuan } from '@shoplet/shared'

// The shared glossary's money formatting, as the shop shows it.
describe('money', () => {
  it('formats fen as yuan with two decimals and thousands separators', () => {
    expect(yuan(0)).toBe('0.00')
    expect(yuan(5)).toBe('0.05')
    expect(yuan(12345)).toBe('123.45')
    expect(yuan(123456)).toBe('1,234.56')
    expect(yuan(-250)).toBe('-2.50')
    expect(price(9900)).toBe('¥99.00')
    expect(price(-250)).toBe('-¥2.50')
    expect(price).toBe(formatFen)
  })

  it('refuses non-integers instead of showing a wrong price', () => {
    expect(yuan(1.5)).toBe('—')
    expect(price(null)).toBe('—')
    expect(price(undefined)).toBe('—')
  })

  it('parses what a shopper types into fen', () => {
    expect(parseYuan('12')).toBe(1200)
    expect(parseYuan('12.5')).toBe(1250)
    expect(parseYuan(' 0.07 ')).toBe(7)
    expect(parseYuan(yuan(123456))).toBe(123456)
    expect(parseYuan('12.345')).toBe(null)
    expect(parseYuan('-1')).toBe(null)
    expect(parseYuan('abc')).toBe(null)
    expect(parseYuan('')).toBe(null)
  })

  it('turns the price filter into both bounds, or says what to correct', () => {
    expect(priceRange('', '')).toEqual({ min: null, max: null })
    expect(priceRange('10', '')).toEqual({ min: 1000, max: null })
    expect(priceRange('', '99.9')).toEqual({ min: null, max: 9990 })
    expect(priceRange('0', '0')).toEqual({ min: 0, max: 0 })
    expect(priceRange('12.345', '')).toEqual({ error: '请输入正确的价格' })
    expect(priceRange('5', 'abc')).toEqual({ error: '请输入正确的价格' })
    expect(priceRange('500', '100')).toEqual({ error: '最低价不能高于最高价' })
  })

  it('keeps the minimum when a shopper corrects an invalid range', () => {
    // 500–100 is refused; raising the maximum, lowering the minimum or clearing the maximum
    // each give a filter that still has the minimum.
    expect(priceRange('500', '100').error).toBeTruthy()
    expect(priceRange('500', '2000')).toEqual({ min: 50000, max: 200000 })
    expect(priceRange('50', '100')).toEqual({ min: 5000, max: 10000 })
    expect(priceRange('500', ' ')).toEqual({ min: 50000, max: null })
    expect(priceRange(' 500 ', undefined)).toEqual({ min: 50000, max: null })
  })
})
