import { flushPromises, mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h } from 'vue'
import { createMemoryHistory, createRouter, RouterView } from 'vue-router'
import { configureClient } from '@/api/client'
import { boardCrumbs, boardFilters, boardQuery, boardTileChange, boardTileValue, campaignPage, drillLink, shareText } from '@/lib/boards'
import BoardsView from '@/views/insights/BoardsView.vue'

describe('经营/运营看板 helpers', () => {
  it('reads the filters from the URL, dropping malformed ones, and writes them back', () => {
    const filters = boardFilters({ start: '2026-05-01', end: '2026-05-07', region: '440000', channel: 'flashsale', stock_days: '14' })
    expect(filters).toEqual({ start: '2026-05-01', end: '2026-05-07', region: '440000', channel: 'flashsale', stockDays: 14 })
    expect(boardQuery(filters)).toEqual({ start: '2026-05-01', end: '2026-05-07', region: '440000', channel: 'flashsale', stock_days: '14' })
    expect(boardFilters({ start: 'May', region: '44', channel: 'Bad-One', store: '0', stock_days: '99' })).toEqual({
      start: undefined,
      end: undefined,
      region: undefined,
      channel: undefined,
      store: undefined,
      stockDays: undefined,
    })
    expect(boardFilters({ region: '440100', store: '7' })).toMatchObject({ region: '440100', store: '7' })
    expect(boardFilters({ store: '天河店' }).store).toBeUndefined()
    expect(boardQuery({ region: '440100', store: '7' })).toEqual({ region: '440100', store: '7' })
  })

  it('drills province → city and source → campaign, keeping the other filters', () => {
    const f = { start: '2026-05-01', end: '2026-05-07', channel: 'cart' }
    expect(drillLink('management', 'province', f, '440000')).toEqual({
      path: '/insights/boards/management',
      query: { start: '2026-05-01', end: '2026-05-07', region: '440000', channel: 'cart' },
    })
    expect(drillLink('management', 'city', { region: '440000' }, '440100')?.query).toEqual({ region: '440100' })
    expect(drillLink('operations', 'source', { region: '110000' }, 'flashsale')).toEqual({
      path: '/insights/boards/operations',
      query: { region: '110000', channel: 'flashsale' },
    })
    // A store leads to its own board; 线上 and a store's methods are the last level.
    expect(drillLink('management', 'store', { region: '440100' }, '3')).toEqual({
      path: '/insights/boards/management',
      query: { region: '440100', store: '3' },
    })
    expect(drillLink('management', 'store', { region: '440100' }, 'online')).toBeNull()
    expect(drillLink('management', 'method', { region: '440100', store: '3' }, 'pickup')).toBeNull()
    expect(drillLink('operations', 'campaign', {}, 'flashsale:7')).toBeNull()
  })

  it('leads a campaign row to its console page, and nothing else', () => {
    expect(campaignPage('flashsale:7')).toBe('/flash-sales/7')
    expect(campaignPage('live:3')).toBe('/live/3')
    expect(campaignPage('coupon:12')).toBe('/coupons/12')
    expect(campaignPage('groupbuy:4')).toBe('/group-buys')
    expect(campaignPage('bargain:4')).toBe('/bargains')
    expect(campaignPage('crowdfunding:4')).toBe('/crowdfundings')
    expect(campaignPage('none')).toBeNull()
    expect(campaignPage('online')).toBeNull()
    expect(campaignPage('other:1')).toBeNull()
    expect(campaignPage('live:x')).toBeNull()
    expect(shareText(12.5)).toBe('12.5%')
    expect(shareText(null)).toBe('—')
  })

  it('builds the way back up', () => {
    expect(boardCrumbs('management', { region: '440100' }, '广东省 / 广州市').map((c) => [c.label, c.to.query.region])).toEqual([
      ['全国', undefined],
      ['广东省', '440000'],
      ['广州市', '440100'],
    ])
    // A store's board: the store last; the regions above it lead back without the store.
    const store = boardCrumbs('management', { region: '440100', store: '3' }, '广东省 / 广州市 · 天河店')
    expect(store.map((c) => [c.label, c.to.query.region, c.to.query.store])).toEqual([
      ['全国', undefined, undefined],
      ['广东省', '440000', undefined],
      ['广州市', '440100', undefined],
      ['天河店', '440100', '3'],
    ])
    expect(boardCrumbs('management', { store: '3' }, '全国 · 天河店').map((c) => c.label)).toEqual(['全国', '天河店'])
    expect(boardCrumbs('operations', { channel: 'flashsale' }, '全国 · 秒杀').map((c) => [c.label, c.to.query.channel])).toEqual([
      ['全部渠道', undefined],
      ['秒杀', 'flashsale'],
    ])
  })

  it('shows a rate in percent and its change in points', () => {
    expect(boardTileValue(50, '%')).toBe('50.0%')
    expect(boardTileValue(null, '%')).toBe('—')
    expect(boardTileChange(50, 40, '%')).toBe('+10.0 个百分点')
    expect(boardTileChange(150, 100, '单')).toBe('+50.0%')
    expect(boardTileValue(123456, '分')).toBe('¥1,234.56')
  })
})

const board = (kind: 'management' | 'operations', extra: Record<string, unknown> = {}) => ({
  kind,
  start: '2026-05-01',
  end: '2026-05-07',
  since: '2026-04-30T16:00:00Z',
  until: '2026-05-07T02:00:00Z',
  region: null,
  channel: null,
  drill: kind === 'management' ? 'province' : 'source',
  title: '全国',
  tiles: [
    { code: 'gmv', name: '销售额 GMV', unit: '分', value: 90000, previous: 10000 },
    { code: 'orders', name: '支付订单数', unit: '单', value: 6, previous: 1 },
    { code: 'repeat_rate', name: '复购率', unit: '%', value: 50, previous: 0 },
  ],
  rows:
    kind === 'management'
      ? [
          { key: '440000', name: '广东省', gmv: 50000, orders: 3, buyers: 2 },
          { key: '110000', name: '北京市', gmv: 40000, orders: 3, buyers: 2 },
        ]
      : [{ key: 'flashsale', name: '秒杀', gmv: 40000, orders: 2, buyers: 2 }],
  stock_days: kind === 'operations' ? 7 : null,
  stock_risk: kind === 'operations' ? [{ sku_id: 5, product_id: 3, name: '帆布包', spec_text: '尺码:M', available: 10, days_until_stockout: 2, suggested_quantity: 30 }] : [],
  refresh_seconds: 15,
  ...extra,
})

describe('经营/运营看板 pages', () => {
  beforeEach(() => setActivePinia(createPinia()))
  afterEach(() => vi.useRealTimers())

  function setup(kind: 'management' | 'operations', extra: Record<string, unknown> = {}) {
    const urls: string[] = []
    let polled = 0
    const fetch = vi.fn(async (url: string) => {
      urls.push(url)
      polled += 1
      const orders = { code: 'orders', name: '支付订单数', unit: '单', value: 5 + polled, previous: 1 }
      const data = board(kind, extra)
      data.tiles[1] = orders
      return new Response(JSON.stringify(data), { status: 200, headers: { 'Content-Type': 'application/json' } })
    })
    configureClient({ fetch: fetch as unknown as typeof globalThis.fetch })
    const r = createRouter({
      history: createMemoryHistory(),
      routes: [
        { path: '/insights/boards/:kind(management|operations)', component: BoardsView },
        { path: '/:any(.*)', component: { template: '<div />' } },
      ],
    })
    return { urls, r }
  }

  it('shows the tiles, polls them and drills a province through the URL', async () => {
    vi.useFakeTimers()
    const { urls, r } = setup('management')
    await r.push('/insights/boards/management?start=2026-05-01&end=2026-05-07')
    const wrapper = mount(BoardsView, { attachTo: document.body, global: { plugins: [ElementPlus, r] } })
    await flushPromises()
    expect(urls[0]).toBe('/api/v1/console/insights/boards/management?start=2026-05-01&end=2026-05-07')
    expect(wrapper.get('h1').text()).toBe('经营看板 · 全国')
    expect(wrapper.get('[data-testid="tile-gmv"]').text()).toContain('¥900.00')
    expect(wrapper.get('[data-testid="tile-repeat_rate"]').text()).toContain('+50.0 个百分点')
    expect(wrapper.get('[data-testid="tile-orders"]').text()).toContain('6 单')
    await vi.advanceTimersByTimeAsync(15_000)
    await flushPromises()
    expect(wrapper.get('[data-testid="tile-orders"]').text()).toContain('7 单')

    await wrapper.get('[data-testid="drill-440000"]').trigger('click')
    await flushPromises()
    expect(r.currentRoute.value.query).toEqual({ start: '2026-05-01', end: '2026-05-07', region: '440000' })
    expect(urls.at(-1)).toBe('/api/v1/console/insights/boards/management?start=2026-05-01&end=2026-05-07&region=440000')

    wrapper.unmount()
  })

  it('reads nothing more once the page is left', async () => {
    vi.useFakeTimers()
    const { urls, r } = setup('management')
    await r.push('/insights/boards/management')
    const app = mount(defineComponent({ render: () => h(RouterView) }), { attachTo: document.body, global: { plugins: [ElementPlus, r] } })
    await flushPromises()
    expect(urls).toEqual(['/api/v1/console/insights/boards/management'])
    await r.push('/orders?status=paid')
    await flushPromises()
    await vi.advanceTimersByTimeAsync(60_000)
    expect(urls).toHaveLength(1)
    app.unmount()
  })

  it('shows the channel drill and the stock-risk list on 运营看板', async () => {
    const { urls, r } = setup('operations')
    await r.push('/insights/boards/operations?stock_days=7')
    const wrapper = mount(BoardsView, { attachTo: document.body, global: { plugins: [ElementPlus, r] } })
    await flushPromises()
    expect(urls[0]).toBe('/api/v1/console/insights/boards/operations?stock_days=7')
    expect(wrapper.get('h1').text()).toBe('运营看板 · 全国')
    expect(wrapper.get('[data-testid="board-rows"]').text()).toContain('秒杀')
    const risk = wrapper.get('[data-testid="board-stock-risk"]')
    expect(risk.text()).toContain('帆布包')
    expect(risk.find('a[href="/products/3"]').exists()).toBe(true)
    await wrapper.get('[data-testid="drill-flashsale"]').trigger('click')
    await flushPromises()
    expect(r.currentRoute.value.query).toEqual({ stock_days: '7', channel: 'flashsale' })
    wrapper.unmount()
  })

  it('lists the stores of a city with 线上, their average order value and share', async () => {
    const rows = [
      { key: 'online', name: '线上', gmv: 30000, orders: 2, buyers: 2, aov: 15000, share: 75, kind: null, kind_label: null },
      { key: '3', name: '天河店', gmv: 10000, orders: 1, buyers: 1, aov: 10000, share: 25, kind: null, kind_label: null },
    ]
    const { urls, r } = setup('management', { drill: 'store', region: '440100', title: '广东省 / 广州市', rows })
    await r.push('/insights/boards/management?region=440100')
    const wrapper = mount(BoardsView, { attachTo: document.body, global: { plugins: [ElementPlus, r] } })
    await flushPromises()
    expect(urls[0]).toBe('/api/v1/console/insights/boards/management?region=440100')
    expect(wrapper.get('h2').text()).toBe('各门店')
    expect(wrapper.get('[data-testid="board-drill-hint"]').text()).toContain('线上')
    const table = wrapper.get('[data-testid="board-rows"]')
    expect(table.findAll('th').map((th) => th.text())[0]).toBe('门店')
    expect(table.text()).toContain('天河店')
    expect(table.text()).toContain('¥150.00')
    expect(table.text()).toContain('25.0%')
    // A store leads to its own board; 线上 is no store.
    expect(table.findAll('a').map((a) => a.attributes('href'))).toEqual(['/insights/boards/management?region=440100&store=3'])
    expect(wrapper.findAll('.el-breadcrumb__inner').map((c) => c.text())).toEqual(['全国', '广东省', '广州市'])
    wrapper.unmount()
  })

  it("shows a store's own board: its orders by method and what waits at the store today", async () => {
    const rows = [
      { key: 'same_city', name: '同城配送', gmv: 20000, orders: 1, buyers: 1, aov: 20000, share: 66.7, kind: null, kind_label: null },
      { key: 'pickup', name: '到店自提', gmv: 10000, orders: 1, buyers: 1, aov: 10000, share: 33.3, kind: null, kind_label: null },
    ]
    const store = {
      id: 3,
      name: '天河店',
      address: '天河路 1 号',
      phone: '020-12345678',
      is_active: true,
      open_now: true,
      pickups_awaiting: 2,
      bookings_today: 5,
      checked_in_today: 1,
    }
    const extra = { drill: 'method', region: '440100', title: '广东省 / 广州市 · 天河店', rows, store }
    const { urls, r } = setup('management', extra)
    await r.push('/insights/boards/management?region=440100&store=3')
    const wrapper = mount(BoardsView, { attachTo: document.body, global: { plugins: [ElementPlus, r] } })
    await flushPromises()
    expect(urls[0]).toBe('/api/v1/console/insights/boards/management?region=440100&store=3')
    const card = wrapper.get('[data-testid="board-store"]')
    expect(card.get('h2').text()).toContain('天河店')
    expect(card.text()).toContain('营业中')
    expect(card.get('[data-testid="store-pickups"]').text()).toBe('2')
    expect(card.get('[data-testid="store-bookings"]').text()).toBe('5')
    expect(card.findAll('a').map((a) => a.attributes('href'))).toContain('/stores/appointments?store=3')
    expect(wrapper.get('[data-testid="board-drill-hint"]').text()).toContain('本门店')
    const table = wrapper.get('[data-testid="board-rows"]')
    expect(table.findAll('th').map((th) => th.text())[0]).toBe('履约方式')
    expect(table.text()).toContain('到店自提')
    expect(table.find('a').exists()).toBe(false)
    expect(wrapper.findAll('.el-breadcrumb__inner').map((c) => c.text())).toEqual(['全国', '广东省', '广州市', '天河店'])
    wrapper.unmount()
  })

  it('lists the campaigns of a channel with their kind, linked to their pages', async () => {
    const rows = [
      { key: 'live:5', name: '周五直播', gmv: 48000, orders: 2, buyers: 2, aov: 24000, share: 60, kind: 'live', kind_label: '直播' },
      { key: 'coupon:2', name: '满100减20', gmv: 8000, orders: 1, buyers: 1, aov: 8000, share: 10, kind: 'coupon', kind_label: '优惠券' },
      { key: 'none', name: '无活动', gmv: 24000, orders: 3, buyers: 2, aov: 8000, share: 30, kind: 'none', kind_label: '无活动' },
    ]
    const { r } = setup('operations', { drill: 'campaign', channel: 'cart', title: '全国 · 购物车', rows })
    await r.push('/insights/boards/operations?channel=cart')
    const wrapper = mount(BoardsView, { attachTo: document.body, global: { plugins: [ElementPlus, r] } })
    await flushPromises()
    expect(wrapper.get('h2').text()).toBe('各活动')
    const table = wrapper.get('[data-testid="board-rows"]')
    expect(table.findAll('th').map((th) => th.text())).toEqual(['活动', '活动类型', '销售额', '订单数', '购买人数', '客单价', 'GMV 占比'])
    expect(table.text()).toContain('直播')
    expect(wrapper.get('[data-testid="campaign-live:5"]').attributes('href')).toBe('/live/5')
    expect(wrapper.get('[data-testid="campaign-coupon:2"]').attributes('href')).toBe('/coupons/2')
    expect(wrapper.find('[data-testid="campaign-none"]').exists()).toBe(false)
    wrapper.unmount()
  })
})
