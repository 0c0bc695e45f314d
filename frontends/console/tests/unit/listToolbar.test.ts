/* eslint-disable vue/one-component-per-file -- tiny route components for the test */
import { flushPromises, mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import { defineComponent, h, nextTick } from 'vue'
import { createMemoryHistory, createRouter, type Router } from 'vue-router'
import ListToolbar from '@/components/ListToolbar.vue'
import type { ColumnDef } from '@/lib/columns'
import { useListRoute } from '@/lib/useListRoute'
import { useAuthStore } from '@/stores/auth'
import { OWNER_PROFILE } from './helpers'

const STATUSES = ['pending_payment', 'paid', 'shipped'] as const
const LABELS = { pending_payment: '待付款', paid: '待发货', shipped: '待收货' }
const DEFS: ColumnDef[] = [
  { key: 'no', label: '订单号', required: true },
  { key: 'product', label: '商品' },
  { key: 'actions', label: '操作', required: true },
]

describe('ListToolbar', () => {
  let router: Router

  async function mountToolbar(query = '', slot = false) {
    const List = defineComponent({
      setup() {
        const list = useListRoute('orders', STATUSES, DEFS)
        return () =>
          h(
            ListToolbar,
            {
              list,
              statuses: STATUSES,
              statusLabels: LABELS,
              defs: DEFS,
              searchLabel: '搜索订单号',
              searchPlaceholder: '订单号',
              searchMaxlength: 32,
              rangeLabels: ['下单开始日期', '下单结束日期'],
              rangeTestid: 'order-date-range',
            },
            slot ? { filters: () => h('label', { 'data-testid': 'extra' }, '类目') } : undefined,
          )
      },
    })
    router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/orders', name: 'orders', component: List }] })
    await router.push(`/orders${query}`)
    await router.isReady()
    const wrapper = mount(
      defineComponent({ render: () => h(List) }),
      { attachTo: document.body, global: { plugins: [router, ElementPlus] } },
    )
    await flushPromises()
    return wrapper
  }

  beforeEach(() => {
    localStorage.clear()
    sessionStorage.clear()
    setActivePinia(createPinia())
    useAuthStore().staff = OWNER_PROFILE
  })

  it('shows a tab per status, the search box, the labelled date range, saved views and columns', async () => {
    const w = await mountToolbar('?status=paid&q=2026&from=2026-12-01&to=2026-12-02')
    const tabs = w.findAll('[role=tab]').map((t) => t.text())
    expect(tabs).toEqual(['全部', '待付款', '待发货', '待收货'])
    expect(w.find('[role=tab][aria-selected=true]').text()).toBe('待发货')
    const search = w.find('form[role=search] input[name=q]')
    expect((search.element as HTMLInputElement).value).toBe('2026')
    expect(search.attributes('aria-label')).toBe('搜索订单号')
    expect(search.attributes('maxlength')).toBe('32')
    const dates = w.findAll('[data-testid=order-date-range] input')
    expect(dates.map((d) => d.attributes('aria-label'))).toEqual(['下单开始日期', '下单结束日期'])
    expect(dates.map((d) => (d.element as HTMLInputElement).value)).toEqual(['2026-12-01', '2026-12-02'])
    expect(w.find('[data-testid=column-settings]').exists()).toBe(true)
    expect(w.text()).toContain('保存视图')
    w.unmount()
  })

  it('puts extra filters between the search box and the date range', async () => {
    const w = await mountToolbar('', true)
    const form = w.find('form[role=search]').element
    const order = [...form.querySelectorAll('input[name=q], [data-testid=extra], [data-testid=order-date-range]')]
    expect(order.map((el) => el.getAttribute('data-testid') ?? el.getAttribute('name'))).toEqual(['q', 'extra', 'order-date-range'])
    w.unmount()
  })

  it('changes the URL: search on submit, status on a tab, and back to the first page', async () => {
    const w = await mountToolbar('?cursor=p2')
    await w.find('input[name=q]').setValue(' 20261203 ')
    await w.find('form[role=search]').trigger('submit')
    await flushPromises()
    expect(router.currentRoute.value.query).toEqual({ q: '20261203' })

    await w.findAll('[role=tab]')[3]!.trigger('click')
    await flushPromises()
    expect(router.currentRoute.value.query).toEqual({ q: '20261203', status: 'shipped' })
    await w.findAll('[role=tab]')[0]!.trigger('click')
    await flushPromises()
    expect(router.currentRoute.value.query).toEqual({ q: '20261203' })
    w.unmount()
  })

  it('follows the URL when it changes elsewhere (back, a saved view)', async () => {
    const w = await mountToolbar('?q=old')
    await router.push('/orders?q=new&status=shipped')
    await flushPromises()
    await nextTick()
    expect((w.find('input[name=q]').element as HTMLInputElement).value).toBe('new')
    expect(w.find('[role=tab][aria-selected=true]').text()).toBe('待收货')
    w.unmount()
  })

  it('saves column settings through the list', async () => {
    const w = await mountToolbar()
    await w.find('[data-testid=column-settings]').trigger('click')
    await flushPromises()
    const product = document.querySelector<HTMLInputElement>('[data-testid=column-settings-panel] input[type=checkbox]:not([disabled])')
    expect(product).not.toBeNull()
    product!.click()
    await flushPromises()
    const stored = Object.entries(localStorage).find(([key]) => key.includes('columns'))
    expect(stored?.[1]).toContain('"product","visible":false')
    w.unmount()
  })
})
