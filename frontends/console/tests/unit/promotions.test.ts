import { describe, expect, it } from 'vitest'
import {
  clearChanged,
  emptyPromotionForm,
  fieldOfProblem,
  fieldTexts,
  formFromPromotion,
  parseCap,
  parseIds,
  parseRate,
  promotionBody,
  promotionLineTexts,
  sampleItems,
  type PromotionForm,
} from '@/lib/promotions'
import type { Promotion } from '@/api/types'
import { promotionRowText } from '@shoplet/shared'

const NOW = new Date('2026-12-03T04:00:00Z')
const form = (patch: Partial<PromotionForm> = {}): PromotionForm => ({
  ...emptyPromotionForm(NOW),
  name: '双12满减',
  tiers: [
    { thresholdYuan: '500', amountYuan: '60' },
    { thresholdYuan: '300', amountYuan: '30' },
  ],
  ...patch,
})

describe('promotionBody', () => {
  it('turns a 满减 form into the API body: fen, tiers sorted, Beijing times as ISO', () => {
    const result = promotionBody(form(), NOW)
    expect('body' in result && result.body).toMatchObject({
      name: '双12满减',
      kind: 'full_reduction',
      scope: 'all',
      scope_ids: [],
      repeat: false,
      tiers: [
        { threshold: 30000, amount: 3000 },
        { threshold: 50000, amount: 6000 },
      ],
      starts_at: '2026-12-03T12:00:00+08:00',
    })
  })

  it.each<[string, Partial<PromotionForm>, string]>([
    ['no name', { name: ' ' }, 'name'],
    ['ends before it starts', { endsAt: '2026-12-01T00:00' }, 'window'],
    ['no tier', { tiers: [] }, 'tiers'],
    ['amount above threshold', { tiers: [{ thresholdYuan: '10', amountYuan: '20' }] }, 'tiers'],
    ['same threshold twice', { tiers: [{ thresholdYuan: '10', amountYuan: '1' }, { thresholdYuan: '10', amountYuan: '2' }] }, 'tiers'],
    ['higher tier takes off less', { tiers: [{ thresholdYuan: '10', amountYuan: '5' }, { thresholdYuan: '20', amountYuan: '4' }] }, 'tiers'],
    ['每满 with two tiers', { repeat: true }, 'tiers'],
    ['products without ids', { scope: 'products', scopeIds: [] }, 'scopeIds'],
    ['sku discount without a SKU', { kind: 'sku_discount', skuPrices: [{ skuId: null, mode: 'rate', value: '8' }] }, 'skuPrices'],
    ['sku discount of 10折', { kind: 'sku_discount', skuPrices: [{ skuId: 3, mode: 'rate', value: '10' }] }, 'skuPrices'],
    ['a SKU twice', { kind: 'sku_discount', skuPrices: [{ skuId: 3, mode: 'rate', value: '8' }, { skuId: 3, mode: 'price', value: '9' }] }, 'skuPrices'],
    ['limit 0', { kind: 'sku_discount', skuPrices: [{ skuId: 3, mode: 'rate', value: '8' }], perShopperLimit: 0 }, 'perShopperLimit'],
    ['buy 1', { kind: 'buy_n_get_m', buyN: 1 }, 'buyN'],
    ['get as many as bought', { kind: 'buy_n_get_m', buyN: 2, getM: 2 }, 'getM'],
    ['bundle of one product', { kind: 'bundle', productIds: [1], bundleYuan: '99' }, 'productIds'],
    ['bundle without a price', { kind: 'bundle', productIds: [1, 2], bundleYuan: '' }, 'bundle'],
  ])('names the field: %s', (_, patch, field) => {
    const result = promotionBody(form(patch), NOW)
    expect('field' in result && result.field).toBe(field)
  })

  it('builds each kind', () => {
    const sku = promotionBody(form({ kind: 'sku_discount', perShopperLimit: 2, skuPrices: [
      { skuId: 3, mode: 'rate', value: '8.5' }, { skuId: 4, mode: 'price', value: '19.9' }] }), NOW)  // prettier-ignore
    expect('body' in sku && sku.body).toMatchObject({
      sku_prices: [{ sku_id: 3, rate_permille: 850 }, { sku_id: 4, price: 1990 }],
      per_shopper_limit: 2,
    })
    expect('body' in sku && sku.body.tiers).toBeUndefined()
    const half = promotionBody(form({ kind: 'buy_n_get_m', buyMode: 'rate', buyN: 2, rate: '5' }), NOW)
    expect('body' in half && half.body).toMatchObject({ buy_n: 2, rate_permille: 500 })
    const free = promotionBody(form({ kind: 'buy_n_get_m', buyN: 3, getM: 1 }), NOW)
    expect('body' in free && free.body).toMatchObject({ buy_n: 3, get_m: 1 })
    const bundle = promotionBody(form({ kind: 'bundle', productIds: [1, 2, 2], bundleMode: 'off', bundleYuan: '20' }), NOW)
    expect('body' in bundle && bundle.body).toMatchObject({ product_ids: [1, 2], amount_off: 2000 })
    const every = promotionBody(form({ repeat: true, maxRepeats: 3, tiers: [{ thresholdYuan: '100', amountYuan: '10' }] }), NOW)
    expect('body' in every && every.body).toMatchObject({ repeat: true, max_repeats: 3 })
  })
})

describe('helpers', () => {
  it('parses 折, caps, ids and the sample cart', () => {
    expect([parseRate('8'), parseRate('8.5'), parseRate('0'), parseRate('0', true), parseRate('10')]).toEqual([800, 850, null, 0, null])
    expect([parseCap(''), parseCap('50'), parseCap('12.5'), parseCap('0'), parseCap('101')]).toEqual([null, 500, 125, undefined, undefined])
    expect(parseIds('1, 2，2 x 3')).toEqual({ ids: [1, 2, 3], invalid: ['x'] })
    expect(sampleItems([{ skuId: 5, quantity: 2 }, { skuId: null, quantity: 1 }])).toEqual([{ sku_id: 5, quantity: 2 }])
    expect(fieldOfProblem('sku_prices')).toBe('skuPrices')
    expect(fieldOfProblem(undefined)).toBeNull()
  })

  it('round-trips a stored promotion into the form', () => {
    const stored = {
      id: 1, name: '限时', kind: 'sku_discount', label: '限时8折', status: 'draft',
      starts_at: '2026-12-03T04:00:00Z', ends_at: '2026-12-10T04:00:00Z', scope: 'all',
      scope_ids: [], tiers: [], repeat: false, max_repeats: null,
      sku_prices: [{ sku_id: 3, rate_permille: 800, price: null }], per_shopper_limit: 1,
      buy_n: null, get_m: null, rate_permille: null, product_ids: [], bundle_price: null,
      amount_off: null, created_by: 'staff:1', created_at: '', updated_at: '',
    } as Promotion  // prettier-ignore
    const back = formFromPromotion(stored)
    expect(back.skuPrices).toEqual([{ skuId: 3, mode: 'rate', value: '8' }])
    const result = promotionBody(back, NOW)
    expect('body' in result && result.body.sku_prices).toEqual([{ sku_id: 3, rate_permille: 800 }])
  })
})

describe('an order\'s promotions', () => {
  it('names the kind, the promotion and its terms once', () => {
    expect(promotionRowText({ kind: 'full_reduction', name: '店庆满减', label: '满300减30，满500减60' })).toBe(
      '满减 · 店庆满减（满300减30，满500减60）',
    )
    expect(promotionRowText({ kind: 'sku_discount', name: '限时8折', label: '限时8折' })).toBe('限时折扣 · 限时8折')
    expect(promotionRowText({ kind: 'bundle', name: '', label: '套餐价¥99' })).toBe('组合套餐 · 套餐价¥99')
    expect(promotionRowText({ kind: 'new_kind', name: 'x', label: 'y' })).toBe('new_kind · x（y）')
  })

  it('lists each line\'s share in the order\'s line order, by title', () => {
    const lines = [
      { sku_id: 7, title: 'T恤', spec_text: '白 M' },
      { sku_id: 3, title: '棒球帽', spec_text: '' },
      { sku_id: 9, title: '袜子', spec_text: null },
    ]
    expect(promotionLineTexts({ lines: { 3: 454, 7: 1455, 9: 0 } }, lines)).toEqual([
      'T恤 白 M -¥14.55',
      '棒球帽 -¥4.54',
    ])
    expect(promotionLineTexts({ lines: { 5: 100 } }, lines)).toEqual(['SKU 5 -¥1.00'])
    expect(promotionLineTexts({ lines: {} }, lines)).toEqual([])
  })
})

describe('clearChanged', () => {
  it('drops the error of the field that changed and keeps the others', () => {
    const before = fieldTexts(form(), '', '')
    const edited = form({ tiers: [{ thresholdYuan: '500', amountYuan: '60' }] })
    const errors = { tiers: '减额不能超过门槛', name: '请填写活动名称（最多 60 字）' }
    expect(clearChanged(errors, before, fieldTexts(edited, '', ''))).toEqual({ name: errors.name })
    expect(clearChanged(errors, before, fieldTexts(form(), '', ''))).toEqual(errors)
  })

  it('watches the ID boxes as typed and the scope with them', () => {
    const before = fieldTexts(form({ scope: 'products' }), '1, 2', '')
    const errors = { scopeIds: '商品 ID 须为正整数', productIds: '2–10 个商品' }
    expect(clearChanged(errors, before, fieldTexts(form({ scope: 'products' }), '1, 2, x', ''))).toEqual({
      productIds: errors.productIds,
    })
    expect(clearChanged(errors, before, fieldTexts(form({ scope: 'categories' }), '1, 2', '3'))).toEqual({})
  })
})
