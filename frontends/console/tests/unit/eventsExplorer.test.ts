import { flushPromises, mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import { describe, expect, it, vi } from 'vitest'
import { configureClient } from '@/api/client'
import {
  daysOf,
  eventTotals,
  explorerQuery,
  filterProblem,
  memberOf,
  personLabel,
  platformLabel,
  propertiesText,
  trendSeries,
  type ExplorerFilters,
} from '@/lib/events'
import EventsView from '@/views/analytics/EventsView.vue'

vi.mock('@/components/BarChart.vue', () => ({
  default: { props: ['label', 'categories', 'series'], template: '<div role="img" :aria-label="label">{{ series.map((s) => s.name + ":" + s.data.join(",")).join(";") }}</div>' },
}))

const FILTERS: ExplorerFilters = {
  range: ['2026-03-01', '2026-03-03'],
  events: [],
  platform: '',
  page: '',
  memberId: '',
  deviceId: '',
}

const POINTS = [
  { day: '2026-03-01', event: 'page_view', count: 5, persons: 3 },
  { day: '2026-03-03', event: 'page_view', count: 2, persons: 2 },
  { day: '2026-03-02', event: 'pay_click', count: 1, persons: 1 },
  { day: '2026-02-28', event: 'pay_click', count: 9, persons: 9 }, // outside the range
]

describe('事件分析 helpers', () => {
  it('builds the query the API takes and names what it would refuse', () => {
    expect(explorerQuery(FILTERS)).toEqual({ date_from: '2026-03-01', date_to: '2026-03-03' })
    expect(
      explorerQuery({ ...FILTERS, events: ['page_view', 'pay_click'], platform: 'h5', page: ' pages/product/ ', memberId: ' 41 ', deviceId: 'd-aaaaaaaa' }),
    ).toEqual({
      date_from: '2026-03-01',
      date_to: '2026-03-03',
      event: ['page_view', 'pay_click'],
      platform: 'h5',
      page: 'pages/product/',
      member_id: 41,
      anonymous_id: 'd-aaaaaaaa',
    })
    expect(filterProblem(FILTERS)).toBe('')
    expect(filterProblem({ ...FILTERS, memberId: '0' })).toBe('会员ID须为正整数')
    expect(filterProblem({ ...FILTERS, memberId: '4a' })).toBe('会员ID须为正整数')
    expect(filterProblem({ ...FILTERS, deviceId: "x'; --" })).toContain('设备ID')
  })

  it('fills every day of the range and orders events by their total', () => {
    expect(daysOf('2026-02-27', '2026-03-02')).toEqual(['2026-02-27', '2026-02-28', '2026-03-01', '2026-03-02'])
    const chart = trendSeries(POINTS, ['2026-03-01', '2026-03-03'], 'count')
    expect(chart.days).toEqual(['2026-03-01', '2026-03-02', '2026-03-03'])
    expect(chart.series).toEqual([
      { event: 'page_view', name: '浏览页面', data: [5, 0, 2] },
      { event: 'pay_click', name: '点击支付', data: [0, 1, 0] },
    ])
    expect(trendSeries(POINTS, ['2026-03-01', '2026-03-03'], 'persons').series[0]!.data).toEqual([3, 0, 2])
    expect(eventTotals(POINTS.slice(0, 3))).toEqual([
      { event: 'page_view', name: '浏览页面', count: 7, peakPersons: 3 },
      { event: 'pay_click', name: '点击支付', count: 1, peakPersons: 1 },
    ])
  })

  it('reads persons, platforms and properties in Chinese', () => {
    expect(personLabel('m:41')).toBe('会员 41')
    expect(personLabel('a:d-aaaaaaaa')).toBe('访客 d-aaaaaaaa')
    expect(memberOf('m:41')).toBe(41)
    expect(memberOf('a:d-aaaaaaaa')).toBeNull()
    expect(platformLabel('mp-weixin')).toBe('微信小程序')
    expect(platformLabel(null)).toBe('—')
    expect(propertiesText({ product_id: 7, keyword: '连衣裙' })).toBe('product_id=7 · keyword=连衣裙')
    expect(propertiesText({})).toBe('—')
  })
})

function row(n: number, person: string) {
  return {
    event_id: `e${n}`,
    event: 'page_view',
    ts: '2026-03-03T02:00:00Z',
    person,
    member_id: null,
    anonymous_id: 'd-aaaaaaaa',
    platform: 'h5',
    page: 'pages/index/index',
    scene: null,
    source: 'client',
    properties: { product_id: n },
  }
}

describe('事件分析', () => {
  it('shows the latest query, pages with its filters while the form is edited, and drops a late answer', async () => {
    const waiting: { url: URL; resolve: (r: Response) => void }[] = []
    const fetch = vi.fn(
      (url: string) =>
        new Promise<Response>((resolve) => {
          waiting.push({ url: new URL(url, 'http://x'), resolve })
        }),
    )
    configureClient({ fetch: fetch as unknown as typeof globalThis.fetch })
    const reply = (index: number, body: unknown) =>
      waiting[index]!.resolve(new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } }))
    const trend = (points: unknown[]) => ({ date_from: '2026-03-01', date_to: '2026-03-03', points })

    const w = mount(EventsView, { attachTo: document.body, global: { plugins: [ElementPlus], stubs: { RouterLink: { props: ['to'], template: '<a :data-member="to.query.member"><slot /></a>' } } } })
    await flushPromises()
    expect(waiting.map((x) => x.url.pathname)).toEqual(['/api/v1/console/analytics/events/trend', '/api/v1/console/analytics/events'])

    // A second 查询 (mini program only) goes out before the first is answered.
    const vm = w.vm as unknown as { filters: ExplorerFilters }
    vm.filters.platform = 'mp-weixin'
    vm.filters.range = ['2026-03-01', '2026-03-03']
    await w.get('form').trigger('submit')
    await flushPromises()
    const second = waiting.length - 2
    expect(waiting[second]!.url.searchParams.get('platform')).toBe('mp-weixin')
    reply(second, trend([{ day: '2026-03-02', event: 'page_view', count: 4, persons: 2 }]))
    reply(second + 1, { items: [row(1, 'm:41')], next_cursor: 'c1' })
    await flushPromises()
    // The first query's answers arrive last and are dropped.
    reply(0, trend([{ day: '2026-03-01', event: 'pay_click', count: 99, persons: 99 }]))
    reply(1, { items: [row(9, 'a:d-bbbbbbbb')], next_cursor: null })
    await flushPromises()
    expect(w.get('[data-testid="events-chart"]').text()).toBe('浏览页面:0,4,0')
    expect(w.get('[data-testid="events-totals"]').text()).toContain('浏览页面')
    expect(w.get('[data-testid="events-totals"]').text()).not.toContain('点击支付')
    const rows = w.get('[data-testid="events-rows"]')
    expect(rows.text()).toContain('会员 41')
    expect(rows.get('a').attributes('data-member')).toBe('41')
    expect(rows.text()).toContain('product_id=1')

    // 加载更多 keeps to the shown query even after the form changed.
    vm.filters.platform = 'h5'
    await flushPromises()
    await w.get('[data-testid="events-more"]').trigger('click')
    await flushPromises()
    const more = waiting[waiting.length - 1]!
    expect(more.url.searchParams.get('cursor')).toBe('c1')
    expect(more.url.searchParams.get('platform')).toBe('mp-weixin')
    reply(waiting.length - 1, { items: [row(2, 'a:d-aaaaaaaa')], next_cursor: null })
    await flushPromises()
    expect(w.get('[data-testid="events-rows"]').text()).toContain('访客 d-aaaaaaaa')
    expect(w.find('[data-testid="events-more"]').exists()).toBe(false)
    w.unmount()
  })

  it('names a bad member id on the form and sends nothing', async () => {
    const fetch = vi.fn(() => Promise.resolve(new Response(JSON.stringify({ date_from: '2026-03-01', date_to: '2026-03-01', points: [], items: [] }), { status: 200, headers: { 'Content-Type': 'application/json' } })))
    configureClient({ fetch: fetch as unknown as typeof globalThis.fetch })
    const w = mount(EventsView, { attachTo: document.body, global: { plugins: [ElementPlus] } })
    await flushPromises()
    const sent = fetch.mock.calls.length
    ;(w.vm as unknown as { filters: ExplorerFilters }).filters.memberId = 'abc'
    await flushPromises()
    expect(w.get('[data-testid="events-problem"]').text()).toBe('会员ID须为正整数')
    expect(w.get('[data-testid="events-run"]').attributes('disabled')).toBeDefined()
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(fetch.mock.calls.length).toBe(sent)
    w.unmount()
  })
})
