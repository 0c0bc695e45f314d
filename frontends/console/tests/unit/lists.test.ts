/* eslint-disable vue/one-component-per-file -- tiny route components for the test */
import { mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import { defineComponent, h, nextTick } from 'vue'
import { createMemoryHistory, createRouter, type Router } from 'vue-router'
import { loadColumns, moveColumn, resolveColumns, saveColumns, toggleColumn, visibleKeys, type ColumnDef } from '@/lib/columns'
import { filtersFromQuery, nextQuery, queryFromFilters, sameFilters, viewQuery } from '@/lib/listQuery'
import { loadViews, MAX_VIEWS, saveViews, withoutView, withView } from '@/lib/savedViews'
import { storageKey } from '@/lib/staffStorage'
import { useListRoute } from '@/lib/useListRoute'
import { useAuthStore } from '@/stores/auth'
import { OWNER_PROFILE, SUPPORT_PROFILE } from './helpers'

const STATUSES = ['pending_payment', 'paid', 'shipped'] as const

describe('list filters in the URL', () => {
  it('reads the filters a query asks for', () => {
    expect(filtersFromQuery({ status: 'paid', q: ' 2026 ', from: '2026-12-01', to: '2026-12-03', cursor: 'abc' }, STATUSES)).toEqual({
      status: 'paid',
      q: '2026',
      from: '2026-12-01',
      to: '2026-12-03',
      category: '',
      cursor: 'abc',
    })
  })

  it('drops what is malformed instead of sending it to the server', () => {
    const f = filtersFromQuery({ status: 'nope', from: '2026-02-30', to: '12/01/2026', category: '0', q: ['a', 'b'] }, STATUSES)
    expect(f).toEqual({ status: '', q: 'a', from: '', to: '', category: '', cursor: '' })
    // A reversed range is put the right way round.
    const r = filtersFromQuery({ from: '2026-12-05', to: '2026-12-01' }, STATUSES)
    expect([r.from, r.to]).toEqual(['2026-12-01', '2026-12-05'])
  })

  it('writes only the filters that are set', () => {
    expect(queryFromFilters({ status: 'paid', q: '', from: '2026-12-01' })).toEqual({ status: 'paid', from: '2026-12-01' })
  })

  it('starts from the first page when a filter changes, and keeps other keys', () => {
    const current = { status: 'paid', cursor: 'p2', tab: 'x' }
    expect(nextQuery(current, STATUSES, { from: '2026-12-01' })).toEqual({ tab: 'x', status: 'paid', from: '2026-12-01' })
    expect(nextQuery(current, STATUSES, { cursor: 'p3' })).toEqual({ tab: 'x', status: 'paid', cursor: 'p3' })
    expect(nextQuery(current, STATUSES, { status: '' })).toEqual({ tab: 'x' })
  })

  it('compares filter sets without the page and saves views without it', () => {
    const a = filtersFromQuery({ status: 'paid', cursor: 'p2' }, STATUSES)
    const b = filtersFromQuery({ status: 'paid' }, STATUSES)
    expect(sameFilters(a, b)).toBe(true)
    expect(viewQuery(a)).toEqual({ status: 'paid' })
  })
})

const DEFS: ColumnDef[] = [
  { key: 'no', label: '订单号', required: true },
  { key: 'product', label: '商品' },
  { key: 'status', label: '状态' },
  { key: 'actions', label: '操作', required: true },
]

describe('column settings', () => {
  beforeEach(() => localStorage.clear())

  it('defaults to every column in declared order', () => {
    expect(resolveColumns(DEFS, null).map((c) => [c.key, c.visible])).toEqual([
      ['no', true],
      ['product', true],
      ['status', true],
      ['actions', true],
    ])
  })

  it('hides, moves and keeps required columns visible', () => {
    let s = resolveColumns(DEFS, null)
    s = toggleColumn(DEFS, s, 'product', false)
    s = toggleColumn(DEFS, s, 'no', false)
    s = moveColumn(s, 'status', -1)
    s = moveColumn(s, 'no', -1) // already first: unchanged
    expect(visibleKeys(s)).toEqual(['no', 'status', 'actions'])
    expect(s.map((c) => c.key)).toEqual(['no', 'status', 'product', 'actions'])
  })

  it('merges saved settings with columns added or removed since', () => {
    const saved = [
      { key: 'status', visible: true },
      { key: 'gone', visible: true },
      { key: 'no', visible: false },
      { key: 'status', visible: false },
    ]
    expect(resolveColumns(DEFS, saved)).toEqual([
      { key: 'status', visible: true },
      { key: 'no', visible: true },
      { key: 'product', visible: true },
      { key: 'actions', visible: true },
    ])
  })

  it('is stored per staff member', () => {
    const hidden = toggleColumn(DEFS, resolveColumns(DEFS, null), 'product', false)
    saveColumns('orders', 1, hidden)
    expect(visibleKeys(loadColumns('orders', 1, DEFS))).toEqual(['no', 'status', 'actions'])
    expect(visibleKeys(loadColumns('orders', 3, DEFS))).toEqual(['no', 'product', 'status', 'actions'])
    localStorage.setItem(storageKey('columns', 1, 'orders'), '{not json')
    expect(visibleKeys(loadColumns('orders', 1, DEFS))).toHaveLength(4)
  })
})

describe('saved views', () => {
  beforeEach(() => localStorage.clear())

  it('saves, replaces by name, and deletes', () => {
    let views = withView([], ' 待发货 ', { status: 'paid' })
    views = withView(views, '本周', { from: '2026-11-30', to: '2026-12-06' })
    views = withView(views, '待发货', { status: 'paid', from: '2026-12-01' })
    expect(views).toEqual([
      { name: '待发货', query: { status: 'paid', from: '2026-12-01' } },
      { name: '本周', query: { from: '2026-11-30', to: '2026-12-06' } },
    ])
    expect(withView(views, '   ', { status: 'paid' })).toEqual(views)
    expect(withoutView(views, '本周').map((v) => v.name)).toEqual(['待发货'])
  })

  it('keeps at most MAX_VIEWS, newest first', () => {
    let views = withView([], 'v0', {})
    for (let i = 1; i <= MAX_VIEWS + 5; i++) views = withView(views, `v${i}`, {})
    expect(views).toHaveLength(MAX_VIEWS)
    expect(views[0]!.name).toBe(`v${MAX_VIEWS + 5}`)
  })

  it('is stored per staff member and ignores corrupt storage', () => {
    saveViews('orders', 1, withView([], '待发货', { status: 'paid' }))
    expect(loadViews('orders', 1)).toEqual([{ name: '待发货', query: { status: 'paid' } }])
    expect(loadViews('orders', 3)).toEqual([])
    expect(loadViews('products', 1)).toEqual([])
    localStorage.setItem(storageKey('views', 1, 'orders'), JSON.stringify([{ name: 1 }]))
    expect(loadViews('orders', 1)).toEqual([])
  })
})

describe('useListRoute', () => {
  let router: Router

  async function mountList() {
    const List = defineComponent({
      setup() {
        return { list: useListRoute('orders', STATUSES, DEFS), loads: [] as string[] }
      },
      mounted() {
        this.list.onFilters((f) => this.loads.push(JSON.stringify(queryFromFilters(f))))
      },
      render: () => h('div'),
    })
    const Other = defineComponent({ render: () => h('div') })
    router = createRouter({
      history: createMemoryHistory(),
      routes: [
        { path: '/orders', name: 'orders', component: List },
        { path: '/orders/:no', name: 'order-detail', component: Other },
      ],
    })
    await router.push('/orders?status=paid&from=2026-12-01&to=2026-12-02')
    await router.isReady()
    const wrapper = mount({ render: () => h(List) }, { global: { plugins: [router] } })
    await nextTick()
    return wrapper.findComponent(List).vm as unknown as { list: ReturnType<typeof useListRoute>; loads: string[] }
  }

  beforeEach(() => {
    localStorage.clear()
    sessionStorage.clear()
    setActivePinia(createPinia())
    useAuthStore().staff = OWNER_PROFILE
  })

  it('reads filters from the URL and changes them by navigating', async () => {
    const vm = await mountList()
    expect(vm.list.filters.value).toMatchObject({ status: 'paid', from: '2026-12-01', to: '2026-12-02' })
    expect(vm.loads).toEqual(['{"status":"paid","from":"2026-12-01","to":"2026-12-02"}'])

    await vm.list.update({ status: 'shipped' })
    expect(router.currentRoute.value.query).toEqual({ status: 'shipped', from: '2026-12-01', to: '2026-12-02' })
    await vm.list.update({ cursor: 'next' })
    expect(router.currentRoute.value.query.cursor).toBe('next')
    await nextTick()
    expect(vm.loads).toHaveLength(3)

    // Back restores the previous list (and loads it again).
    router.back()
    await new Promise((resolve) => router.afterEach(() => resolve(undefined)))
    await nextTick()
    expect(vm.list.filters.value.cursor).toBe('')
    expect(vm.list.filters.value.status).toBe('shipped')
    expect(vm.loads).toHaveLength(4)
  })

  it('saves the current filters as a view and applies it again', async () => {
    const vm = await mountList()
    vm.list.saveView('本周待发货')
    expect(vm.list.activeView.value).toBe('本周待发货')
    expect(loadViews('orders', OWNER_PROFILE.id)).toEqual([
      { name: '本周待发货', query: { status: 'paid', from: '2026-12-01', to: '2026-12-02' } },
    ])
    expect(loadViews('orders', SUPPORT_PROFILE.id)).toEqual([])

    await vm.list.update({ status: '', from: '', to: '' })
    expect(vm.list.activeView.value).toBeNull()
    await vm.list.applyView(vm.list.views.value[0]!)
    expect(router.currentRoute.value.query).toEqual({ status: 'paid', from: '2026-12-01', to: '2026-12-02' })
    expect(vm.list.activeView.value).toBe('本周待发货')

    vm.list.removeView('本周待发货')
    expect(loadViews('orders', OWNER_PROFILE.id)).toEqual([])
  })

  it('stores column settings per staff member', async () => {
    const vm = await mountList()
    vm.list.columns.value = toggleColumn(DEFS, vm.list.columns.value, 'status', false)
    await nextTick()
    expect(vm.list.shown.value).toEqual(['no', 'product', 'actions'])
    expect(visibleKeys(loadColumns('orders', OWNER_PROFILE.id, DEFS))).toEqual(['no', 'product', 'actions'])
    vm.list.resetColumns()
    await nextTick()
    expect(visibleKeys(loadColumns('orders', OWNER_PROFILE.id, DEFS))).toHaveLength(4)
  })

  it('does not load when the route leaves the list', async () => {
    const vm = await mountList()
    await router.push('/orders/123')
    await nextTick()
    expect(vm.loads).toHaveLength(1)
  })
})
