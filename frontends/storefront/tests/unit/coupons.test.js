// Coupons in the shop: how a card reads, the centre's claim button, and the checkout store's
// coupon choice (auto best, a picked one, none) as it goes over the wire.
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import {
  claimState,
  COUPON_CLAIM_LABELS,
  COUPON_TAB_LABELS,
  couponCondition,
  couponScope,
  couponValidity,
  couponValue,
  shortYuan,
} from '@shoplet/shared'
import { configureClient } from '../../src/api'
import { bootstrap } from '../../src/stores'
import { useCheckoutStore } from '../../src/stores/checkout'
import { applyClaim } from '../../src/pkg-user/utils/coupons'
import { fakeBackend } from './fake-backend'

function useBackend(routes) {
  const backend = fakeBackend(routes)
  configureClient({ baseUrl: '', transport: backend.transport })
  return backend
}

beforeEach(() => {
  setActivePinia(createPinia())
  bootstrap()
})

describe('a coupon card', () => {
  it('shows the amount or the rate big, without needless zeros', () => {
    expect(shortYuan(2000)).toBe('20')
    expect(shortYuan(1950)).toBe('19.5')
    expect(shortYuan(1905)).toBe('19.05')
    expect(couponValue({ kind: 'threshold', amount: 2000 })).toEqual({ prefix: '¥', value: '20', suffix: '' })
    expect(couponValue({ kind: 'discount', rate_permille: 850 })).toEqual({ prefix: '', value: '8.5', suffix: '折' })
    expect(couponValue({ kind: 'discount', rate_permille: 900 }).value).toBe('9')
    expect(couponValue({ kind: 'shipping', amount: null }).value).toBe('免运费')
    expect(couponValue({ kind: 'shipping', amount: 1000 }).value).toBe('10')
  })

  it('says when it applies, where and how long', () => {
    expect(couponCondition({ kind: 'threshold', threshold: 10000, amount: 2000 })).toBe('满100可用')
    expect(couponCondition({ kind: 'no_threshold', threshold: 0, amount: 500 })).toBe('无门槛')
    expect(couponCondition({ kind: 'discount', threshold: 0, rate_permille: 850, amount: 3000 })).toBe('无门槛，最多减¥30')
    expect(couponScope({ scope: 'categories' })).toBe('指定分类')
    expect(couponScope({})).toBe('全场通用')
    expect(couponValidity({ valid_days: 7 })).toBe('领取后7天内有效')
    const from = new Date(2026, 11, 1, 10).toISOString()
    const to = new Date(2026, 11, 31, 10).toISOString()
    expect(couponValidity({ valid_from: from, valid_to: to })).toBe('2026.12.01-2026.12.31')
  })
})

describe('the coupon centre', () => {
  const card = (extra) => ({ id: 1, kind: 'threshold', remaining: 5, held: 0, can_claim: true, per_shopper_limit: 1, ...extra })

  it('names the claim button by what the shopper may do', () => {
    expect(claimState(card(), true)).toBe('claim')
    expect(claimState(card(), false)).toBe('claim')
    expect(claimState(card({ held: 1, can_claim: false }), true)).toBe('held')
    expect(claimState(card({ held: 1, can_claim: true }), true)).toBe('claim')
    expect(claimState(card({ remaining: 0, can_claim: false }), true)).toBe('soldOut')
    expect(claimState(card({ remaining: 0, held: 1, can_claim: false }), true)).toBe('held')
    expect(COUPON_CLAIM_LABELS).toMatchObject({ claim: '立即领取', held: '已领取', soldOut: '已抢光' })
    expect(COUPON_TAB_LABELS).toEqual({ usable: '可使用', used: '已使用', expired: '已失效' })
  })

  it('updates a card after a claim and after a refusal', () => {
    const t = applyClaim(card({ remaining: 2 }), null)
    expect(t).toMatchObject({ held: 1, remaining: 1, can_claim: false })
    expect(claimState(t, true)).toBe('held')
    const two = applyClaim(card({ per_shopper_limit: 2 }), null)
    expect(two.can_claim).toBe(true)
    expect(applyClaim(card(), 'promotions.quota_exhausted').remaining).toBe(0)
    expect(applyClaim(card(), 'promotions.new_customer_only').can_claim).toBe(false)
    expect(applyClaim(card(), 'network')).toMatchObject({ remaining: 5, can_claim: true })
  })
})

describe('coupons at checkout', () => {
  const option = (id, usable, saving, extra = {}) => ({
    coupon: { id, name: `券${id}`, kind: 'threshold', threshold: 10000, amount: saving },
    usable,
    saving,
    code: usable ? null : 'promotions.below_threshold',
    reason: usable ? null : '未达门槛，差¥10.00',
    ...extra,
  })
  const preview = (couponId) => ({
    lines: [{ sku_id: 1 }],
    items_total: 12000,
    shipping_fee: 0,
    shipping_discount: 0,
    discount_total: couponId === 1 ? 2000 : couponId === 2 ? 1000 : 0,
    payable_total: 12000 - (couponId === 1 ? 2000 : couponId === 2 ? 1000 : 0),
    coupon: couponId ? { coupon_id: couponId, name: `券${couponId}`, kind: 'threshold', discount: couponId === 1 ? 2000 : 1000, shipping_discount: 0 } : null,
    coupons: [option(1, true, 2000), option(2, true, 1000), option(3, false, 0)],
    can_place_order: true,
  })

  it('takes the best coupon, lets the shopper pick another or none, and orders with the one shown', async () => {
    const backend = useBackend({
      'POST /api/v1/checkout/preview': (req) => preview(req.data.no_coupon ? null : req.data.coupon_id ?? 1),
      'POST /api/v1/orders': () => ({ status: 201, data: { order_no: 'SO1' } }),
    })
    // Previews and orders only (placing an order also refreshes the 我的 badge).
    const requests = new Proxy([], { get: (_, k) => backend.requests.filter((r) => r.method === 'POST')[k] })
    const checkout = useCheckoutStore()
    checkout.start()
    checkout.setAddress(9)
    await checkout.loadPreview()
    expect(requests[0].data).toEqual({ address_id: 9 })
    expect(checkout.appliedCoupon.coupon_id).toBe(1)
    expect(checkout.usableCoupons.map((o) => o.coupon.id)).toEqual([1, 2])
    expect(checkout.unusableCoupons[0].reason).toBe('未达门槛，差¥10.00')

    await checkout.chooseCoupon(2)
    expect(requests[1].data).toEqual({ address_id: 9, coupon_id: 2 })
    expect(checkout.breakdown.payable_total).toBe(11000)
    // Coming back to the page (e.g. from the address book) keeps the pick.
    await checkout.loadPreview()
    expect(requests[2].data).toEqual({ address_id: 9, coupon_id: 2 })

    await checkout.placeOrder()
    expect(requests[3].data).toEqual({ address_id: 9, coupon_id: 2 })

    await checkout.chooseCoupon(null)
    expect(requests[4].data).toEqual({ address_id: 9, no_coupon: true })
    expect(checkout.appliedCoupon).toBe(null)
    expect(checkout.breakdown.payable_total).toBe(12000)
    await checkout.placeOrder()
    expect(requests[5].data).toEqual({ address_id: 9 })
  })

  it('falls back to the best coupon when the picked one no longer applies', async () => {
    const { requests } = useBackend({
      'POST /api/v1/checkout/preview': (req) =>
        req.data.coupon_id === 2 ? { status: 409, data: { code: 'promotions.coupon_unavailable' } } : preview(1),
    })
    const checkout = useCheckoutStore()
    checkout.start()
    checkout.couponId = 2
    await checkout.loadPreview()
    expect(requests.map((r) => r.data)).toEqual([{ coupon_id: 2 }, {}])
    expect(checkout.couponId).toBe(1)
  })

  it('starts every purchase with the best coupon again', () => {
    const checkout = useCheckoutStore()
    checkout.noCoupon = true
    checkout.couponId = 3
    checkout.start()
    expect(checkout.noCoupon).toBe(false)
    expect(checkout.couponId).toBe(null)
  })
})
