import { describe, expect, it } from 'vitest'
import { formatFen, parseYuan, price, yuan } from '@shoplet/shared'

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
})
