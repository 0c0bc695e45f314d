import { describe, expect, it } from 'vitest'
import {
  buildCouponBody,
  emptyCouponForm,
  formFromTemplate,
  kindFields,
  parseMemberIds,
  problemField,
  type CouponForm,
} from '@/lib/coupons'
import type { CouponTemplate } from '@/api/types'
import { routes } from '@/router'

const NOW = new Date('2026-12-03T04:00:00Z')
const form = (patch: Partial<CouponForm> = {}): CouponForm => ({
  ...emptyCouponForm(NOW),
  name: '满100减20',
  thresholdYuan: '100',
  amountYuan: '20',
  ...patch,
})

describe('the coupon editor form', () => {
  it('builds a 满减 body in fen with validity in days', () => {
    const { body, errors } = buildCouponBody(form(), NOW)
    expect(errors).toEqual({})
    expect(body).toEqual({
      name: '满100减20',
      kind: 'threshold',
      threshold: 10000,
      amount: 2000,
      rate_permille: null,
      scope: 'all',
      scope_ids: [],
      is_new_customer_only: false,
      valid_from: null,
      valid_to: null,
      valid_days: 7,
      total_quota: 100,
      per_shopper_limit: 1,
      is_claimable: true,
      stackable_with_promotions: true,
    })
  })

  it('shows the inputs of each kind', () => {
    expect(kindFields('threshold')).toMatchObject({ threshold: true, amount: true, rate: false })
    expect(kindFields('discount')).toMatchObject({ threshold: true, rate: true })
    expect(kindFields('no_threshold')).toMatchObject({ threshold: false, amount: true })
    expect(kindFields('shipping').amountLabel).toContain('运费')
  })

  it('turns 折 into per mille and keeps the cap optional', () => {
    const { body } = buildCouponBody(form({ kind: 'discount', thresholdYuan: '', amountYuan: '', rate: '8.5' }), NOW)
    expect(body).toMatchObject({ kind: 'discount', rate_permille: 850, amount: null, threshold: 0 })
    expect(buildCouponBody(form({ kind: 'discount', rate: '10' }), NOW).errors.rate).toBeTruthy()
    expect(buildCouponBody(form({ kind: 'discount', rate: '8.555' }), NOW).errors.rate).toBeTruthy()
    expect(buildCouponBody(form({ kind: 'discount', rate: '' }), NOW).errors.rate).toBeTruthy()
  })

  it('mirrors the API rules on their fields', () => {
    const e = (patch: Partial<CouponForm>) => buildCouponBody(form(patch), NOW).errors
    expect(e({ name: '  ' }).name).toBeTruthy()
    expect(e({ thresholdYuan: '' }).threshold).toBe('满减券需要填写使用门槛')
    expect(e({ amountYuan: '120' }).amount).toBe('减免金额不能大于使用门槛')
    expect(e({ amountYuan: '1.234' }).amount).toBeTruthy()
    expect(e({ kind: 'no_threshold', thresholdYuan: '50', amountYuan: '' }).amount).toBe('请填写金额')
    expect(e({ scope: 'products' }).scopeIds).toBe('请选择适用的商品')
    expect(e({ scope: 'categories' }).scopeIds).toBe('请选择适用的分类')
    expect(e({ validDays: 0 }).validity).toBeTruthy()
    expect(e({ validity: 'fixed', validFrom: '2026-12-05T00:00', validTo: '2026-12-04T00:00' }).validity).toBe('结束时间必须晚于开始时间')
    expect(e({ validity: 'fixed', validFrom: '2026-11-01T00:00', validTo: '2026-12-01T00:00' }).validity).toBe('结束时间已过')
    expect(e({ totalQuota: 0 }).totalQuota).toBeTruthy()
    expect(e({ totalQuota: 5, perShopperLimit: 6 }).perShopperLimit).toBeTruthy()
    // A no-threshold coupon sends threshold 0 whatever was typed before the kind changed.
    expect(buildCouponBody(form({ kind: 'no_threshold', thresholdYuan: '50', amountYuan: '5' }), NOW).body?.threshold).toBe(0)
  })

  it('sends a fixed window as Beijing time and the scope ids', () => {
    const { body } = buildCouponBody(
      form({ validity: 'fixed', validFrom: '2026-12-10T00:00', validTo: '2026-12-31T23:59:59', scope: 'categories', scopeIds: [3, 5] }),
      NOW,
    )
    expect(body).toMatchObject({ valid_from: '2026-12-10T00:00:00+08:00', valid_to: '2026-12-31T23:59:59+08:00', valid_days: null, scope: 'categories', scope_ids: [3, 5] })
  })

  it('reads a stored template back into the form', () => {
    const t = {
      id: 1, name: '8.5折', kind: 'discount', threshold: 5000, amount: 3000, rate_permille: 850, scope: 'products', scope_ids: [7],
      is_new_customer_only: true, valid_from: null, valid_to: null, valid_days: 3, total_quota: 10, per_shopper_limit: 2,
      is_claimable: false, claimed: 0, used: 0, status: 'draft', created_by: 'boss', created_at: '', updated_at: '',
    } as CouponTemplate
    const f = formFromTemplate(t)
    expect(f).toMatchObject({ thresholdYuan: '50', amountYuan: '30', rate: '8.5', validity: 'days', validDays: 3, scopeIds: [7], isClaimable: false })
    expect(buildCouponBody(f, NOW).body).toMatchObject({ threshold: 5000, amount: 3000, rate_permille: 850, scope_ids: [7], valid_days: 3 })
  })

  it('puts an API refusal on the field its detail names', () => {
    expect(problemField('per_shopper_limit must be 1..100 and at most total_quota')).toBe('perShopperLimit')
    expect(problemField('total_quota must be 1..10000000')).toBe('totalQuota')
    expect(problemField('valid_to is in the past')).toBe('validity')
    expect(problemField('scope_ids: empty for scope all, the product or category ids otherwise')).toBe('scopeIds')
    expect(problemField('a discount coupon needs rate_permille 1..999 (850 = 8.5折)')).toBe('rate')
    expect(problemField('a threshold coupon cannot take off more than its threshold')).toBe('amount')
    expect(problemField('a threshold coupon needs a threshold above 0')).toBe('threshold')
    expect(problemField('')).toBe(null)
  })

  it('reads pasted member ids', () => {
    expect(parseMemberIds('12\n13, 14，12  x9')).toEqual({ ids: [12, 13, 14], invalid: ['x9'] })
    expect(parseMemberIds('')).toEqual({ ids: [], invalid: [] })
  })
})

describe('the coupon screens', () => {
  it('need promotions:manage', () => {
    const children = routes.flatMap((r) => r.children ?? [])
    for (const name of ['coupons', 'coupon-new', 'coupon-edit']) {
      expect(children.find((r) => r.name === name)?.meta?.permission, name).toBe('promotions:manage')
    }
  })
})
