import { flushPromises, mount, RouterLinkStub } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import { formatPercent, lastDays, rangeProblem } from '@/lib/analytics'
import { useAuthStore } from '@/stores/auth'
import SearchAnalyticsView from '@/views/search/SearchAnalyticsView.vue'
import { fakeFetch, OWNER_PROFILE, problem } from './helpers'

const DAYS = ['2026-12-03', '2026-12-04']

const SEARCH = {
  date_from: DAYS[0],
  date_to: DAYS[1],
  days: [
    { day: DAYS[0], searches: 0, clicks: 0, zero_results: 0, ctr: null, zero_rate: null },
    { day: DAYS[1], searches: 10, clicks: 3, zero_results: 2, ctr: 0.3, zero_rate: 0.2 },
  ],
  searches: 10,
  clicks: 3,
  zero_results: 2,
  ctr: 0.3,
  zero_rate: 0.2,
  top_queries: [{ query: '电饭煲', searches: 8, clicks: 3, zero_results: 0, ctr: 0.375 }],
  zero_result_queries: [{ query: '炊具', searches: 2, clicks: 0, zero_results: 2, ctr: 0 }],
  variants: [
    { variant: 'default', searches: 6, clicks: 1, zero_results: 2, ctr: 0.1667 },
    { variant: 'popular', searches: 4, clicks: 2, zero_results: 0, ctr: 0.5 },
  ],
}

const RECOMMEND = {
  date_from: DAYS[0],
  date_to: DAYS[1],
  days: [
    { day: DAYS[0], impressions: 0, clicks: 0, ctr: null },
    { day: DAYS[1], impressions: 5, clicks: 4, ctr: 0.8 },
  ],
  impressions: 5,
  clicks: 4,
  ctr: 0.8,
  placements: [{ placement: 'home', impressions: 4, clicks: 3, ctr: 0.75 }],
  models: [{ placement: 'home', model: 'popular', variant: 'default', impressions: 8, clicks: 3, ctr: 0.375 }],
}

describe('analytics helpers', () => {
  it('formats rates and checks ranges like the backend', () => {
    expect(formatPercent(0.3)).toBe('30.0%')
    expect(formatPercent(2 / 11)).toBe('18.2%')
    expect(formatPercent(null)).toBe('—')
    expect(rangeProblem(['2026-12-05', '2026-12-01'])).toBe('开始日期不能晚于结束日期')
    expect(rangeProblem(['2024-01-01', '2025-01-01'])).toBe('最多查询 366 天')
    expect(rangeProblem(['2025-01-01', '2025-12-31'])).toBe('')
    expect(lastDays(30, new Date('2026-12-04T17:00:00Z'))).toEqual(['2026-11-06', '2026-12-05'])
  })
})

describe('SearchAnalyticsView', () => {
  beforeEach(() => setActivePinia(createPinia()))

  it('shows search and recommendation figures and links zero-result queries to 设为同义词', async () => {
    useAuthStore().staff = { ...OWNER_PROFILE, permissions: ['products:read', 'products:write'] }
    const { calls } = fakeFetch([200, SEARCH], [200, RECOMMEND])
    const wrapper = mount(SearchAnalyticsView, {
      attachTo: document.body,
      global: { plugins: [ElementPlus], stubs: { RouterLink: RouterLinkStub } },
    })
    await flushPromises()
    expect(calls.map((c) => new URL(c.url, 'http://x').pathname)).toEqual([
      '/api/v1/console/search/analytics',
      '/api/v1/console/recommendations/analytics',
    ])
    expect(new URL(calls[0]!.url, 'http://x').searchParams.get('date_from')).toMatch(/^\d{4}-\d{2}-\d{2}$/)
    expect(wrapper.get('[data-testid="search-ctr"]').text()).toBe('30.0%')
    expect(wrapper.get('[data-testid="top-queries"]').text()).toContain('电饭煲')
    expect(wrapper.get('[data-testid="top-queries"]').text()).toContain('37.5%')
    // The arms of a search-ranking A/B test, side by side.
    const arms = wrapper.get('[data-testid="ranking-variants"]').text()
    expect(arms).toContain('当前排序')
    expect(arms).toContain('热销加权')
    expect(arms).toContain('50.0%')
    const link = wrapper.findAllComponents(RouterLinkStub).find((l) => l.text() === '设为同义词')
    expect(link?.props('to')).toEqual({ name: 'search-words', query: { tab: 'zero', synonym: '炊具' } })
    // The chart's data table for screen readers has one row per day.
    expect(wrapper.find('figcaption table').findAll('tbody tr')).toHaveLength(2)
    expect(wrapper.get('[data-testid="recommend-ctr"]').text()).toBe('80.0%')
    expect(wrapper.get('[data-testid="placements"]').text()).toContain('猜你喜欢（首页）')
    expect(wrapper.get('[data-testid="models"]').text()).toContain('热销（流行度）')
    wrapper.unmount()
  })

  it('shows the backend problem for a refused range and hides 设为同义词 from readers', async () => {
    useAuthStore().staff = { ...OWNER_PROFILE, permissions: ['products:read'] }
    fakeFetch(problem(400, 'request.invalid_date_range'), [200, RECOMMEND])
    const wrapper = mount(SearchAnalyticsView, {
      attachTo: document.body,
      global: { plugins: [ElementPlus], stubs: { RouterLink: RouterLinkStub } },
    })
    await flushPromises()
    expect(wrapper.get('[role="alert"]').text()).toContain('日期范围无效')
    expect(wrapper.findAllComponents(RouterLinkStub)).toHaveLength(0)
    wrapper.unmount()
  })
})
