import { describe, expect, it } from 'vitest'
import type { FlashSale, FlashSaleItem } from '@/api/types'
import {
  beijingInputToIso,
  buildFlashSaleBody,
  FLASH_STATUS_LABELS,
  liveFigures,
  pushSample,
  refreshDelay,
  soldPerSecond,
  toBeijingInput,
  type FlashForm,
} from '@/lib/flashsale'

const NOW = new Date('2026-11-26T04:00:00Z') // 12:00 in Beijing

function form(overrides: Partial<FlashForm> = {}): FlashForm {
  return {
    title: '  零点秒杀  ',
    startsAt: '2026-11-26T12:30',
    endsAt: '2026-11-26T13:30:15',
    paymentTimeoutMinutes: 15,
    freeShipping: true,
    items: [{ skuId: 7, label: '卫衣（黑 / M）', price: 19900, available: 50, flashPriceYuan: '99.9', stock: 10, limit: 2 }],
    ...overrides,
  }
}

function item(overrides: Partial<FlashSaleItem> = {}): FlashSaleItem {
  return {
    sku_id: 1,
    product_id: 1,
    title: 't',
    spec_text: '',
    image: null,
    original_price: 1000,
    flash_price: 500,
    stock: 10,
    per_shopper_limit: 1,
    remaining: 10,
    ordered: 0,
    returned: 0,
    released: 0,
    failed: 0,
    ...overrides,
  }
}

describe('flash-sale times', () => {
  it('reads a datetime-local value as Beijing time', () => {
    expect(beijingInputToIso('2026-11-26T20:30')).toBe('2026-11-26T20:30:00+08:00')
    expect(beijingInputToIso('2026-11-26T20:30:05')).toBe('2026-11-26T20:30:05+08:00')
    expect(Date.parse(beijingInputToIso('2026-11-26T08:00')!)).toBe(Date.parse('2026-11-26T00:00:00Z'))
    expect(beijingInputToIso('')).toBeNull()
    expect(beijingInputToIso('2026-02-30T10:00')).toBeNull()
    expect(beijingInputToIso('2026-11-26T24:00')).toBeNull()
    expect(beijingInputToIso('tomorrow')).toBeNull()
  })

  it('writes a date as a Beijing datetime-local value', () => {
    expect(toBeijingInput(new Date('2026-11-26T16:05:09.500Z'))).toBe('2026-11-27T00:05:09')
    expect(beijingInputToIso(toBeijingInput(NOW))).toBe('2026-11-26T12:00:00+08:00')
  })
})

describe('buildFlashSaleBody', () => {
  it('builds the API body in fen and seconds', () => {
    expect(buildFlashSaleBody(form(), NOW)).toEqual({
      errors: [],
      body: {
        title: '零点秒杀',
        starts_at: '2026-11-26T12:30:00+08:00',
        ends_at: '2026-11-26T13:30:15+08:00',
        payment_timeout_seconds: 900,
        free_shipping: true,
        items: [{ sku_id: 7, flash_price: 9990, stock: 10, per_shopper_limit: 2 }],
      },
    })
  })

  it('lists every problem and builds nothing', () => {
    const result = buildFlashSaleBody(
      form({
        title: ' ',
        startsAt: '2026-11-26T11:59',
        endsAt: '2026-11-26T11:00',
        paymentTimeoutMinutes: 0,
        items: [
          { skuId: 7, label: 'A', price: 1000, available: 5, flashPriceYuan: '10.01', stock: 6, limit: 1 },
          { skuId: 7, label: 'A', price: 1000, available: 5, flashPriceYuan: 'x', stock: 2, limit: 3 },
        ],
      }),
      NOW,
    )
    expect(result.body).toBeNull()
    expect(result.errors).toEqual([
      '请填写活动名称',
      '开始时间须晚于现在',
      '结束时间须晚于开始时间',
      '支付时限为 1–120 分钟',
      'A：秒杀价不能高于售价',
      'A：可售库存只有 5 件',
      'A：重复选择',
      'A：请填写秒杀价',
      'A：每人限购不能超过秒杀库存',
    ])
  })

  it('refuses an empty selection, a missing window and more than 7 days', () => {
    expect(buildFlashSaleBody(form({ items: [] }), NOW).errors).toEqual(['请至少选择一个 SKU'])
    expect(buildFlashSaleBody(form({ startsAt: '', endsAt: '' }), NOW).errors).toEqual(['请填写开始时间', '请填写结束时间'])
    expect(buildFlashSaleBody(form({ endsAt: '2026-12-03T12:30:01' }), NOW).errors).toEqual(['一场秒杀最长 7 天'])
    expect(buildFlashSaleBody(form({ endsAt: '2026-12-03T12:30:00' }), NOW).errors).toEqual([])
  })
})

describe('live figures', () => {
  it('is unknown before the campaign is warmed', () => {
    expect(liveFigures({ items: [item({ remaining: null }), item()] })).toEqual({
      stock: 20, remaining: null, sold: null, ordered: 0, inFlight: null, handedBack: 0,
    })
  })

  it('derives sold and in-flight units from the counters', () => {
    // 10 carved; 7 accepted (3 left... plus 2 handed back => counter 5); 3 ordered, 1 released.
    const a = item({ stock: 10, remaining: 5, ordered: 3, returned: 1, failed: 1, released: 1 })
    const b = item({ sku_id: 2, stock: 4, remaining: 0, ordered: 4 })
    expect(liveFigures({ items: [a, b] })).toEqual({
      stock: 14, remaining: 5, sold: 9, ordered: 7, inFlight: 1, handedBack: 2,
    })
  })

  it('computes the sell-through rate over a sliding window', () => {
    expect(soldPerSecond([])).toBeNull()
    expect(soldPerSecond([{ at: 0, sold: 0 }])).toBeNull()
    let samples = pushSample([], { at: 0, sold: 0 })
    samples = pushSample(samples, { at: 3000, sold: 30 })
    samples = pushSample(samples, { at: 6000, sold: 45 })
    expect(soldPerSecond(samples)).toBe(7.5)
    samples = pushSample(samples, { at: 40_000, sold: 45 })
    expect(samples.map((s) => s.at)).toEqual([40_000])
    expect(soldPerSecond([{ at: 0, sold: 5 }, { at: 1000, sold: 3 }])).toBe(0)
    expect(pushSample(Array.from({ length: 25 }, (_, i) => ({ at: i, sold: i })), { at: 25, sold: 25 }, 30_000, 20)).toHaveLength(20)
  })

  it('refreshes every few seconds only while the sale runs or is about to', () => {
    const now = Date.parse('2026-11-26T04:00:00Z')
    expect(refreshDelay({ status: 'live', starts_at: '2026-11-26T03:00:00Z' }, now)).toBe(3000)
    expect(refreshDelay({ status: 'sold_out', starts_at: '2026-11-26T03:00:00Z' }, now)).toBe(3000)
    expect(refreshDelay({ status: 'upcoming', starts_at: '2026-11-26T04:09:00Z' }, now)).toBe(3000)
    expect(refreshDelay({ status: 'upcoming', starts_at: '2026-11-26T05:00:00Z' }, now)).toBe(30_000)
    expect(refreshDelay({ status: 'ended', starts_at: '2026-11-26T03:00:00Z' }, now)).toBeNull()
    expect(refreshDelay({ status: 'cancelled', starts_at: '2026-11-26T05:00:00Z' }, now)).toBeNull()
  })

  it('labels every status', () => {
    const statuses: FlashSale['status'][] = ['upcoming', 'live', 'sold_out', 'ended', 'cancelled']
    expect(statuses.map((s) => FLASH_STATUS_LABELS[s])).toEqual(['未开始', '进行中', '已售罄', '已结束', '已取消'])
  })
})
