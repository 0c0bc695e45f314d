/* eslint-disable vue/one-component-per-file -- the guard test needs a tiny routed app */
import { mount } from '@vue/test-utils'
import { describe, expect, it, vi } from 'vitest'
import { defineComponent, h, nextTick, ref } from 'vue'
import { createMemoryHistory, createRouter, RouterView } from 'vue-router'
import ProductCardPreview from '@/components/products/ProductCardPreview.vue'
import { applyBatch, barcodeSeries, cardPrice, roundYuan, type BatchValues } from '@/lib/batchFill'
import { changedPrice, priceChangeProblem, requestValue } from '@/lib/priceChange'
import type { SkuRow } from '@/lib/skuMatrix'
import { beforeUnload, snapshotOf, useUnsavedGuard } from '@/lib/unsaved'

function row(key: string, extra: Partial<SkuRow> = {}): SkuRow {
  return { key, specs: [], price: 99, original_price: 129, barcode: '', weight_grams: 0, stock: 0, ...extra }
}

const EMPTY: BatchValues = { price: undefined, original_price: undefined, stock: undefined, barcode: '' }

describe('批量设置 (batch fill of the SKU matrix)', () => {
  const rows = [row('a'), row('b', { id: 7, on_hand: 5 }), row('c')]

  it('applies price, original price and stock to every SKU when none is selected', () => {
    const out = applyBatch(rows, { ...EMPTY, price: 59.904, original_price: 79, stock: 12 })
    expect(out.error).toBeNull()
    expect(out.applied).toBe(3)
    expect(out.rows.map((r) => [r.price, r.original_price, r.stock])).toEqual([
      [59.9, 79, 12],
      [59.9, 79, 0], // a saved SKU keeps its stock: it changes through stock adjustments
      [59.9, 79, 12],
    ])
    expect(out.stockSkipped).toBe(1)
    expect(rows[0]!.price).toBe(99) // the input rows are not mutated
  })

  it('applies only to the selected SKUs and numbers barcodes on from the one typed', () => {
    const out = applyBatch(rows, { ...EMPTY, barcode: '6901234567899' }, new Set(['a', 'c']))
    expect(out.rows.map((r) => r.barcode)).toEqual(['6901234567899', '', '6901234567900'])
    expect(out.applied).toBe(2)
  })

  it('refuses an empty batch, an original price below the price and overflowing barcodes', () => {
    expect(applyBatch(rows, EMPTY).error).toBe('请先填写要批量设置的值')
    expect(applyBatch(rows, { ...EMPTY, price: 10, original_price: 9 }).error).toBe('划线价不能低于售价')
    expect(applyBatch(rows, { ...EMPTY, barcode: '99999999' }).error).toMatch('条码')
    expect(applyBatch(rows, { ...EMPTY, barcode: '12ab5678' }).rows).toBe(rows)
  })

  it('keeps leading zeros and length in barcode series', () => {
    expect(barcodeSeries('00000009', 3)).toEqual(['00000009', '00000010', '00000011'])
    expect(barcodeSeries('99999998', 3)).toBeNull()
    expect(barcodeSeries('1234567', 1)).toBeNull()
  })

  it('rounds yuan to the fen and finds the card price of the cheapest SKU', () => {
    expect(roundYuan(0.1 + 0.2)).toBe(0.3)
    expect(roundYuan(19.999)).toBe(20)
    expect(cardPrice([row('a', { price: 99, original_price: 129 }), row('b', { price: 89, original_price: 0 })])).toEqual({
      price: 89,
      original: 89,
    })
    expect(cardPrice([row('a', { price: 0 })])).toBeNull()
  })
})

describe('批量改价 (bulk price change arithmetic, as the backend does it)', () => {
  it.each([
    [9900, 'set', 5000, 5000],
    [9900, 'add', -1000, 8900],
    [500, 'add', -1000, 1],
    [9900, 'percent', -1000, 8910],
    [999, 'percent', -1500, 849],
    [999, 'percent', -5000, 500],
    [10, 'percent', 250, 10],
    [10, 'percent', 500, 11],
    [1, 'percent', -9999, 1],
  ] as const)('%i fen, %s %i -> %i fen', (price, mode, value, expected) => {
    expect(changedPrice(price, mode, value)).toBe(expected)
  })

  it('turns what the form holds into the request value', () => {
    expect(requestValue('percent', -12.5)).toBe(-1250)
    expect(requestValue('add', -0.1)).toBe(-10)
    expect(requestValue('set', 19.99)).toBe(1999)
  })

  it('says what is wrong with the input', () => {
    expect(priceChangeProblem('set', 0)).toMatch('0.01')
    expect(priceChangeProblem('percent', -100)).toMatch('%')
    expect(priceChangeProblem('add', 0)).toMatch('不能为 0')
    expect(priceChangeProblem('percent', undefined)).toBe('请填写数值')
    expect(priceChangeProblem('percent', -10)).toBeNull()
  })
})

describe('unsaved-changes guard', () => {
  it('compares form states whatever the key order', () => {
    expect(snapshotOf({ a: 1, b: { d: [1, 2], c: 'x' } })).toBe(snapshotOf({ b: { c: 'x', d: [1, 2] }, a: 1 }))
    expect(snapshotOf({ a: 1 })).not.toBe(snapshotOf({ a: 2 }))
  })

  it('asks the browser before closing a tab only while dirty', () => {
    const dirty = ref(false)
    const handler = beforeUnload(() => dirty.value)
    const clean = new Event('beforeunload', { cancelable: true }) as BeforeUnloadEvent
    handler(clean)
    expect(clean.defaultPrevented).toBe(false)
    dirty.value = true
    const event = new Event('beforeunload', { cancelable: true }) as BeforeUnloadEvent
    handler(event)
    expect(event.defaultPrevented).toBe(true)
  })

  it('blocks a route change while dirty unless the merchant confirms', async () => {
    const dirty = ref(true)
    const confirm = vi.fn<() => Promise<boolean>>().mockResolvedValueOnce(false).mockResolvedValueOnce(true)
    const Editor = defineComponent({
      setup() {
        useUnsavedGuard(() => dirty.value, confirm)
        return () => h('p', 'editor')
      },
    })
    const router = createRouter({
      history: createMemoryHistory(),
      routes: [
        { path: '/edit', component: Editor },
        { path: '/list', component: { render: () => h('p', 'list') } },
      ],
    })
    await router.push('/edit')
    const wrapper = mount(defineComponent({ render: () => h(RouterView) }), { global: { plugins: [router] } })
    await router.isReady()
    const removed = vi.spyOn(window, 'removeEventListener')

    await router.push('/list')
    expect(router.currentRoute.value.path).toBe('/edit') // cancelled: stays
    await router.push('/list')
    expect(router.currentRoute.value.path).toBe('/list') // confirmed: leaves
    expect(confirm).toHaveBeenCalledTimes(2)
    await nextTick()
    expect(removed).toHaveBeenCalledWith('beforeunload', expect.any(Function))

    dirty.value = false
    await router.push('/edit')
    await router.push('/list')
    expect(router.currentRoute.value.path).toBe('/list')
    expect(confirm).toHaveBeenCalledTimes(2) // clean: no question
    wrapper.unmount()
  })
})

describe('mini-program card preview', () => {
  it('shows the image, title and price in the storefront style', async () => {
    const wrapper = mount(ProductCardPreview, {
      props: { image: '/media/p/a.webp', title: '纯棉T恤', price: 89.9, originalPrice: 129 },
    })
    expect(wrapper.get('img').attributes('src')).toBe('/media/p/a.webp')
    expect(wrapper.get('[data-testid="preview-title"]').text()).toBe('纯棉T恤')
    expect(wrapper.get('[data-testid="preview-price"]').text()).toBe('¥89.90')
    expect(wrapper.get('[data-testid="preview-original"]').text()).toBe('¥129.00')
    await wrapper.setProps({ price: null, title: '', image: null })
    expect(wrapper.get('[data-testid="preview-price"]').text()).toBe('¥—')
    expect(wrapper.get('[data-testid="preview-title"]').text()).toBe('商品标题')
    expect(wrapper.find('[data-testid="preview-original"]').exists()).toBe(false)
    expect(wrapper.get('[role="img"]').attributes('aria-label')).toBe('暂无商品图片')
  })
})
