import { flushPromises, mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h } from 'vue'
import { createMemoryHistory, createRouter, RouterView } from 'vue-router'
import { configureClient } from '@/api/client'
import { boardCrumbs, boardFilters, boardQuery, boardTileChange, boardTileValue, drillLink } from '@/lib/boards'
import BoardsView from '@/views/insights/BoardsView.vue'

describe('经营/运营看板 helpers', () => {
  it('reads the filters from the URL, dropping malformed ones, and writes them back', () => {
    const filters = boardFilters({ start: '2026-05-01', end: '2026-05-07', region: '440000', channel: 'flashsale', stock_days: '14' })
    expect(filters).toEqual({ start: '2026-05-01', end: '2026-05-07', region: '440000', channel: 'flashsale', stockDays: 14 })
    expect(boardQuery(filters)).toEqual({ start: '2026-05-01', end: '2026-05-07', region: '440000', channel: 'flashsale', stock_days: '14' })
    expect(boardFilters({ start: 'May', region: '44', channel: 'Bad-One', stock_days: '99' })).toEqual({
      start: undefined,
      end: undefined,
      region: undefined,
      channel: undefined,
      stockDays: undefined,
    })
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
    expect(drillLink('management', 'none', {}, 'x')).toBeNull()
    expect(drillLink('operations', 'campaign', {}, '7')).toBeNull()
  })

  it('builds the way back up', () => {
    expect(boardCrumbs('management', { region: '440100' }, '广东省 / 广州市').map((c) => [c.label, c.to.query.region])).toEqual([
      ['全国', undefined],
      ['广东省', '440000'],
      ['广州市', '440100'],
    ])
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

  function setup(kind: 'management' | 'operations') {
    const urls: string[] = []
    let polled = 0
    const fetch = vi.fn(async (url: string) => {
      urls.push(url)
      polled += 1
      const orders = { code: 'orders', name: '支付订单数', unit: '单', value: 5 + polled, previous: 1 }
      const data = board(kind)
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
})
