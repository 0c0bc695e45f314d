import { describe, expect, it } from 'vitest'
import { HIGH_CONTRAST_PAIRS, THEME } from '../../src/theme'
import { announce, announcement, cartAddedText } from '../../src/utils/announce'
import { contrastRatio } from '../../src/utils/color'
import { toRows, windowRange } from '../../src/utils/vlist'

describe('virtual list window', () => {
  const base = { count: 1000, rowHeight: 100, viewport: 700, overscan: 2 }

  it('renders the visible rows plus the overscan at the top', () => {
    expect(windowRange({ ...base, scrollTop: 0 })).toEqual({ start: 0, end: 10, padTop: 0, padBottom: 99000 })
  })

  it('moves the window with the scroll position, keeping the total height', () => {
    const r = windowRange({ ...base, scrollTop: 5050 })
    // Row 50 is at the top (5050 / 100); 8 rows are visible (700 / 100 + 1), 2 more each side.
    expect(r).toEqual({ start: 48, end: 60, padTop: 4800, padBottom: 94000 })
    expect(r.padTop + (r.end - r.start) * 100 + r.padBottom).toBe(1000 * 100)
  })

  it('clamps at the end and beyond (iOS rubber-band, a list that shrank)', () => {
    const end = windowRange({ ...base, scrollTop: 99300 })
    expect(end.end).toBe(1000)
    expect(end.padBottom).toBe(0)
    expect(windowRange({ ...base, scrollTop: 10 ** 9 })).toEqual(end)
    expect(windowRange({ ...base, scrollTop: -50 })).toEqual(windowRange({ ...base, scrollTop: 0 }))
  })

  it('renders everything for a short list, nothing for an empty one', () => {
    expect(windowRange({ ...base, count: 3, scrollTop: 0 })).toEqual({ start: 0, end: 3, padTop: 0, padBottom: 0 })
    expect(windowRange({ ...base, count: 0, scrollTop: 0 })).toEqual({ start: 0, end: 0, padTop: 0, padBottom: 0 })
    expect(windowRange({ ...base, rowHeight: 0, scrollTop: 0 }).end).toBe(0)
  })

  it('keeps the rendered count bounded however long the list is', () => {
    for (const count of [100, 10_000, 1_000_000]) {
      for (const scrollTop of [0, 12_345, count * 50]) {
        const r = windowRange({ ...base, count, scrollTop })
        expect(r.end - r.start).toBeLessThanOrEqual(12)
      }
    }
  })

  it('groups items into rows of N columns with their first index', () => {
    expect(toRows([1, 2, 3, 4, 5], 2)).toEqual([
      { index: 0, items: [1, 2] },
      { index: 2, items: [3, 4] },
      { index: 4, items: [5] },
    ])
    expect(toRows([1, 2], 1)).toEqual([
      { index: 0, items: [1] },
      { index: 1, items: [2] },
    ])
    expect(toRows([], 2)).toEqual([])
  })
})

describe('high-contrast colours', () => {
  it('reach 7:1 (WCAG AAA)', () => {
    for (const [fg, bg] of HIGH_CONTRAST_PAIRS) {
      expect(contrastRatio(THEME[fg], THEME[bg]), `${fg} on ${bg}`).toBeGreaterThanOrEqual(7)
    }
  })
})

describe('announcements', () => {
  it('says how many items the cart holds, and repeats the same text', async () => {
    expect(cartAddedText(3)).toBe('已加入购物车，共 3 件')
    announce(cartAddedText(3))
    expect(announcement.text).toBe('')
    await Promise.resolve()
    expect(announcement.text).toBe('已加入购物车，共 3 件')
    announce(cartAddedText(3))
    expect(announcement.text).toBe('')
    await Promise.resolve()
    expect(announcement.text).toBe('已加入购物车，共 3 件')
  })
})
