import { flushPromises, mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'
import { useAuthStore } from '@/stores/auth'
import CouponTemplateListView from '@/views/coupons/CouponTemplateListView.vue'
import PointsMallView from '@/views/loyalty/PointsMallView.vue'
import AftersaleListView from '@/views/orders/AftersaleListView.vue'
import { fakeFetch, OWNER_PROFILE } from './helpers'

// The coupon-template, points-mall and after-sales lists on the shared list composable: the
// first page for the opening tab, a tab switch starts again, 加载更多 appends with the cursor.

function router() {
  const page = { render: () => null }
  return createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/orders/:orderNo', name: 'order-detail', component: page },
      { path: '/:p(.*)*', component: page },
    ],
  })
}

function paths(calls: { url: string }[]): string[] {
  return calls.map((c) => decodeURIComponent(c.url))
}

async function clickTab(wrapper: ReturnType<typeof mount>, name: string): Promise<void> {
  await wrapper.get(`#tab-${name}`).trigger('click')
  await flushPromises()
}

async function loadMore(wrapper: ReturnType<typeof mount>): Promise<void> {
  const button = wrapper.findAll('.load-more button')
  expect(button).toHaveLength(1)
  await button[0]!.trigger('click')
  await flushPromises()
}

const COUPON = {
  id: 1, name: '满100减20', kind: 'threshold', threshold: 10000, amount: 2000, rate_permille: null,
  max_discount: null, scope: 'all', scope_ids: [], status: 'active', total: 100, claimed: 3, used: 1,
  per_member_limit: 1, validity: 'fixed', valid_from: '2026-12-01T00:00:00Z', valid_to: '2026-12-31T00:00:00Z',
  valid_days: null, created_at: '2026-12-01T00:00:00Z',
}
const MALL = {
  id: 5, title: '10元券', image: null, kind: 'coupon', coupon_template_id: 1, sku_id: null, points_price: 500,
  cash_price: 0, stock: 10, sold: 0, per_member_limit: 1, limit_period: 'total', starts_at: null, ends_at: null,
  free_shipping: false, sort: 0, status: 'on_sale', state: 'on_sale', created_at: '2026-12-01T00:00:00Z',
}
const AFTERSALE = {
  aftersale_no: 'AS202612050001', order_no: '202612050001', member_id: 7, kind: 'refund_only', reason: '拍错了',
  amount: 5900, status: 'requested', reject_reason: null, return_carrier: null, return_tracking_no: null,
  created_at: '2026-12-05T01:00:00Z', updated_at: '2026-12-05T01:00:00Z',
}

describe('list pages on useListPage', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    useAuthStore().staff = { ...OWNER_PROFILE, permissions: [...OWNER_PROFILE.permissions, 'promotions:manage', 'loyalty:manage', 'aftersales:handle'] }
  })

  it('优惠券: all, then a status tab, then the next page', async () => {
    const { calls } = fakeFetch(
      [200, { items: [COUPON], next_cursor: null }],
      [200, { items: [COUPON], next_cursor: 'c2' }],
      [200, { items: [{ ...COUPON, id: 2, name: '满200减50' }], next_cursor: null }],
    )
    const wrapper = mount(CouponTemplateListView, { global: { plugins: [ElementPlus, router()], stubs: { RouterLink: true } } })
    await flushPromises()
    await clickTab(wrapper, 'active')
    await loadMore(wrapper)
    expect(paths(calls)).toEqual([
      '/api/v1/console/coupon-templates?limit=20',
      '/api/v1/console/coupon-templates?status=active&limit=20',
      '/api/v1/console/coupon-templates?status=active&cursor=c2&limit=20',
    ])
    expect(wrapper.get('[data-testid="coupon-table"]').findAll('tbody tr')).toHaveLength(2)
    expect(wrapper.find('.load-more').exists()).toBe(false)
  })

  it('积分商城: all, then a status tab, then the next page', async () => {
    const { calls } = fakeFetch(
      [200, { items: [MALL], next_cursor: null }],
      [200, { items: [MALL], next_cursor: 'm2' }],
      [200, { items: [{ ...MALL, id: 6, title: '保温杯' }], next_cursor: null }],
    )
    const wrapper = mount(PointsMallView, { global: { plugins: [ElementPlus, router()], stubs: { RouterLink: true } } })
    await flushPromises()
    await clickTab(wrapper, 'on_sale')
    await loadMore(wrapper)
    expect(paths(calls)).toEqual([
      '/api/v1/console/points-mall/items?limit=20',
      '/api/v1/console/points-mall/items?status=on_sale&limit=20',
      '/api/v1/console/points-mall/items?status=on_sale&cursor=m2&limit=20',
    ])
    const table = wrapper.get('[data-testid="mall-table"]').text()
    expect(table).toContain('10元券')
    expect(table).toContain('保温杯')
  })

  it('售后: opens on 待处理, all tab, next page', async () => {
    const { calls } = fakeFetch(
      [200, { items: [AFTERSALE], next_cursor: null }],
      [200, { items: [AFTERSALE], next_cursor: 'a2' }],
      [200, { items: [{ ...AFTERSALE, aftersale_no: 'AS202612050002' }], next_cursor: null }],
    )
    const wrapper = mount(AftersaleListView, { global: { plugins: [ElementPlus, router()], stubs: { RouterLink: true } } })
    await flushPromises()
    await clickTab(wrapper, 'all')
    await loadMore(wrapper)
    expect(paths(calls)).toEqual([
      '/api/v1/console/aftersales?status=requested&limit=20',
      '/api/v1/console/aftersales?limit=20',
      '/api/v1/console/aftersales?cursor=a2&limit=20',
    ])
    const table = wrapper.get('[data-testid="aftersale-table"]').text()
    expect(table).toContain('AS202612050001')
    expect(table).toContain('AS202612050002')
  })
})
