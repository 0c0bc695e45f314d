import { describe, expect, it } from 'vitest'
import { parseSkuIds, percentText, trialRows } from '@/lib/clearanceTrials'

describe('清仓实验 helpers', () => {
  it('reads 4–40 distinct SKU ids separated by commas or spaces', () => {
    expect(parseSkuIds('101, 102，103 104')).toEqual([101, 102, 103, 104])
    expect(parseSkuIds('1,2,3')).toBeNull()
    expect(parseSkuIds('1,2,3,3')).toBeNull()
    expect(parseSkuIds('1,2,3,x')).toBeNull()
    expect(parseSkuIds('1,2,3,-4')).toBeNull()
    expect(parseSkuIds(Array.from({ length: 41 }, (_, i) => i + 1).join(','))).toBeNull()
  })

  it('shows sell-through in percent and points, margin in yuan, and dashes when an arm is empty', () => {
    const rows = trialRows({
      sell_through: { plan_mean: 0.3, control_mean: 0.1, difference: 0.2, low: 0.05, high: 0.35, p_value: 0.25, pairs: 3 },
      margin_per_unit: { plan_mean: 1200, control_mean: 700, difference: 500, low: -100, high: 900, p_value: 0.0004, pairs: 3 },
    })
    expect(rows[0]).toMatchObject({ plan: '30.0%', control: '10.0%', difference: '+20.0 个百分点', interval: '+5.0 个百分点 ~ +35.0 个百分点', pValue: '0.250' })
    expect(rows[1]).toMatchObject({ plan: '¥12.00', control: '¥7.00', difference: '+¥5.00', interval: '-¥1.00 ~ +¥9.00', pValue: '< 0.001' })
    const empty = trialRows({
      sell_through: { plan_mean: null, control_mean: 0.1, difference: null, low: null, high: null, p_value: null, pairs: 0 },
      margin_per_unit: { plan_mean: null, control_mean: null, difference: null, low: null, high: null, p_value: null, pairs: 0 },
    })
    expect(empty[0]).toMatchObject({ plan: '—', difference: '—', interval: '—', pValue: '—' })
    expect(percentText(null)).toBe('—')
    const few = trialRows({
      sell_through: { plan_mean: 0.2, control_mean: 0.1, difference: 0.1, low: null, high: null, p_value: 0.5, pairs: 2 },
      margin_per_unit: { plan_mean: 0, control_mean: 0, difference: 0, low: null, high: null, p_value: 1, pairs: 2 },
    })
    expect(few[0]?.interval).toBe('不足 6 对，无法给出区间')
  })
})
