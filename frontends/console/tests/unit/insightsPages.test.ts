import { describe, expect, it } from 'vitest'
import { clearanceRows, yuan } from '@/lib/clearance'
import { drillTo, filtersFromQuery, tileChange, tileValue } from '@/lib/dashboards'

describe('销售看板 helpers', () => {
  it('reads the filters from the URL, with a sane period', () => {
    expect(filtersFromQuery({ days: '1', category: '12', product: '7' })).toEqual({ days: 1, categoryId: 12, productId: 7 })
    expect(filtersFromQuery({ days: '500', category: 'x' })).toEqual({ days: 7, categoryId: undefined, productId: undefined })
  })

  it('drills down keeping the period and the category', () => {
    expect(drillTo('shop', { days: 1 }, 12)).toEqual({ path: '/insights/dashboards/category', query: { days: '1', category: '12' } })
    expect(drillTo('category', { days: 30, categoryId: 12 }, 7)).toEqual({
      path: '/insights/dashboards/product',
      query: { days: '30', category: '12', product: '7' },
    })
  })

  it('shows tiles in yuan or with their unit, and the change', () => {
    expect(tileValue(123456, '分')).toBe('¥1,234.56')
    expect(tileValue(3, '单')).toBe('3 单')
    expect(tileValue(null, '分')).toBe('—')
    expect(tileChange(150, 100)).toBe('+50.0%')
    expect(tileChange(5, 0)).toBe('—')
  })
})

describe('清仓定价 helpers', () => {
  it('lays the history and the plan week by week', () => {
    const rows = clearanceRows(
      [{ week_start: '2026-11-21', price: 9900, units: 12 }],
      [
        { starts_on: '2026-12-05', weeks: 2, price: 7900, units: 30 },
        { starts_on: '2026-12-19', weeks: 1, price: 5900, units: 25 },
      ],
    )
    expect(rows.map((r) => r.week)).toEqual(['2026-11-21', '2026-12-05', '2026-12-12', '2026-12-19'])
    expect(rows.map((r) => r.projected)).toEqual([null, 15, 15, 25])
    expect(rows.map((r) => r.price)).toEqual([99, 79, 79, 59])
    expect(yuan(123456)).toBe('¥1,234.56')
  })
})
