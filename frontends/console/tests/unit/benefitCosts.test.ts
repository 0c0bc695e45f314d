import { permilleText } from '@shoplet/shared'
import { describe, expect, it } from 'vitest'
import { costSeries, packProblem, periodQuery, signedFen, tiersBody, type TierRow } from '@/lib/benefitCosts'

const row = (over: Partial<TierRow> = {}): TierRow => ({
  level: 0,
  code: 'V0',
  name: '普通会员',
  threshold: 0,
  keep_threshold: 0,
  discount_permille: 1000,
  free_shipping: false,
  free_shipping_yuan: '',
  points_multiplier_permille: 1000,
  birthday_coupon_template_id: null,
  exclusive_coupons: [],
  priority_service: false,
  pack_active_days: null,
  pack_monthly_cap: null,
  ...over,
})

describe('periodQuery', () => {
  it.each([
    ['30', null, { days: 30 }],
    ['90', null, { days: 90 }],
    ['custom', ['2026-11-01', '2026-11-30'], { since: '2026-11-01', until: '2026-11-30' }],
    ['custom', null, null],
    ['custom', ['2026-11-01', ''], null],
  ] as const)('%s %j → %j', (choice, range, expected) => {
    expect(periodQuery(choice, range as [string, string] | null)).toEqual(expected)
  })
})

describe('costSeries', () => {
  it('stacks the costs by benefit in yuan and puts the margin beside them', () => {
    const { categories, series } = costSeries([
      { code: 'V2', name: '黄金会员', promotion_cost: 1000, coupon_cost: 2000, shipping_cost: 800, points_cost: 50, gross_margin: 16000 },
    ])
    expect(categories).toEqual(['V2 黄金会员'])
    expect(series.map((s) => [s.name, s.stack ?? null, s.data])).toEqual([
      ['促销优惠', 'cost', [10]],
      ['优惠券', 'cost', [20]],
      ['免运费', 'cost', [8]],
      ['积分成本', 'cost', [0.5]],
      ['毛利', null, [160]],
    ])
  })
})

describe('texts', () => {
  it.each([
    [200, '+¥2.00'],
    [-150, '-¥1.50'],
    [0, '¥0.00'],
  ])('signedFen(%d) = %s', (fen, text) => {
    expect(signedFen(fen)).toBe(text)
  })

  it.each([
    [175, '17.5%'],
    [1000, '100.0%'],
    [null, '—'],
  ])('permilleText(%s) = %s', (value, text) => {
    expect(permilleText(value)).toBe(text)
  })
})

describe('tiersBody', () => {
  it('turns the editor rows into the tier table the backend takes', () => {
    const body = tiersBody([
      row(),
      row({ level: 1, code: 'V1', name: '白银会员', threshold: 500, discount_permille: 995, free_shipping: true, free_shipping_yuan: '99', exclusive_coupons: [12, 15], birthday_coupon_template_id: 0 }),
    ])
    expect(body.tiers[1]).toEqual({
      level: 1,
      code: 'V1',
      name: '白银会员',
      threshold: 500,
      keep_threshold: 0,
      benefits: {
        discount_permille: 995,
        free_shipping: true,
        free_shipping_threshold: 9900,
        points_multiplier_permille: 1000,
        birthday_coupon_template_id: null,
        exclusive_coupon_template_ids: [12, 15],
        priority_service: false,
      },
      pack_active_days: null,
      pack_monthly_cap: null,
    })
    expect(body.tiers[0]?.benefits.free_shipping_threshold).toBeNull()
  })

  it('sends the pack limits and wants one for an entry-tier pack', () => {
    const limited = row({ exclusive_coupons: [7], pack_active_days: 30, pack_monthly_cap: 500 })
    expect(tiersBody([limited]).tiers[0]).toMatchObject({ pack_active_days: 30, pack_monthly_cap: 500 })
    expect(packProblem(limited)).toBeNull()
    expect(packProblem(row({ exclusive_coupons: [7] }))).toContain('V0 的专属券须设置')
    expect(packProblem(row({ exclusive_coupons: [7], pack_monthly_cap: 100 }))).toBeNull()
    expect(packProblem(row({ level: 1, code: 'V1', exclusive_coupons: [7] }))).toBeNull()
  })
})
