import { flushPromises, mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import type { ProductAdmin } from '@/api/types'
import PriceHistoryCard from '@/components/products/PriceHistoryCard.vue'
import { fakeFetch } from './helpers'

const PRODUCT = {
  id: 5,
  skus: [
    { id: 11, specs: [{ name: '颜色', value: '黑' }] },
    { id: 12, specs: [{ name: '颜色', value: '白' }] },
  ],
} as unknown as ProductAdmin

function entry(id: number, skuId: number, before: number, after: number, source: string) {
  return {
    id,
    sku_id: skuId,
    price_before: before,
    price_after: after,
    original_price_before: 12900,
    original_price_after: 12900,
    source,
    actor: 'staff:3',
    changed_at: '2026-12-05T02:00:00Z',
  }
}

describe('调价记录', () => {
  beforeEach(() => setActivePinia(createPinia()))

  it('lists the price changes with their SKU and source, and pages on', async () => {
    const { calls } = fakeFetch(
      [200, { items: [entry(9, 11, 9900, 8900, 'console')], next_cursor: 'c1' }],
      [200, { items: [entry(8, 12, 9900, 10000, 'bulk')], next_cursor: null }],
    )
    const wrapper = mount(PriceHistoryCard, { props: { product: PRODUCT }, attachTo: document.body, global: { plugins: [ElementPlus] } })
    await flushPromises()
    expect(new URL(calls[0]!.url, 'http://x').pathname).toBe('/api/v1/console/products/5/price-history')
    const text = () => wrapper.get('[data-testid="price-history"]').text()
    expect(text()).toContain('颜色:黑')
    expect(text()).toContain('¥99.00 → ¥89.00')
    expect(text()).toContain('商品编辑')
    await wrapper.get('[data-testid="price-history-more"]').trigger('click')
    await flushPromises()
    expect(new URL(calls[1]!.url, 'http://x').searchParams.get('cursor')).toBe('c1')
    expect(text()).toContain('批量调价')
    expect(text()).toContain('颜色:白')
    expect(wrapper.find('[data-testid="price-history-more"]').exists()).toBe(false)
    wrapper.unmount()
  })
})
