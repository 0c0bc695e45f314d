import { flushPromises, mount, RouterLinkStub } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { funnelBody, heatStyle, percent, retentionShare } from '@/lib/funnels'
import FunnelView from '@/views/analytics/FunnelView.vue'
import RetentionView from '@/views/analytics/RetentionView.vue'
import { fakeFetch } from './helpers'

vi.mock('@/components/BarChart.vue', () => ({ default: { props: ['label'], template: '<div role="img" :aria-label="label" />' } }))

const step = (event: string, count: number, conversion: number, stepConversion: number, dropOff: number) => ({
  event,
  count,
  conversion,
  step_conversion: stepConversion,
  drop_off: dropOff,
})

describe('funnel helpers', () => {
  it('builds the query the backend takes', () => {
    expect(
      funnelBody(
        [
          { event: 'page_view', filterKey: '', filterValue: '' },
          { event: 'add_to_cart', filterKey: ' sku_id ', filterValue: '7' },
        ],
        3600,
        ['2026-03-01', '2026-03-07'],
        'platform',
      ),
    ).toEqual({
      steps: [
        { event: 'page_view', filters: [] },
        { event: 'add_to_cart', filters: [{ key: 'sku_id', value: '7' }] },
      ],
      window_seconds: 3600,
      date_from: '2026-03-01',
      date_to: '2026-03-07',
      breakdown: 'platform',
    })
    expect(funnelBody([], 60, ['a', 'b'], '')).not.toHaveProperty('breakdown')
  })

  it('formats shares and heat', () => {
    expect(percent(0.3456)).toBe('34.6%')
    expect(retentionShare(0, 0)).toBe(0)
    expect(retentionShare(4, 1)).toBe(0.25)
    expect(heatStyle(0)).toEqual({ background: 'hsl(0, 65%, 97%)', color: '#1f1f1f' })
    expect(heatStyle(1)).toEqual({ background: 'hsl(0, 65%, 42%)', color: '#ffffff' })
  })
})

describe('FunnelView and RetentionView', () => {
  beforeEach(() => setActivePinia(createPinia()))
  afterEach(() => {
    document.body.innerHTML = ''
  })

  it('runs the funnel and shows each step, overall and per group', async () => {
    const { calls } = fakeFetch([
      200,
      {
        steps: [step('page_view', 10, 1, 1, 0), step('add_to_cart', 4, 0.4, 0.4, 6), step('pay_click', 1, 0.1, 0.25, 3)],
        breakdown: null,
        groups: [],
      },
    ])
    const wrapper = mount(FunnelView, {
      attachTo: document.body,
      global: { plugins: [ElementPlus], stubs: { RouterLink: RouterLinkStub } },
    })
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(calls).toHaveLength(1)
    expect(new URL(calls[0]!.url, 'http://x').pathname).toBe('/api/v1/console/analytics/funnels')
    const sent = calls[0]!.body as { steps: { event: string }[]; window_seconds: number }
    expect(sent.steps.map((s) => s.event)).toEqual(['page_view', 'add_to_cart', 'pay_click'])
    expect(sent.window_seconds).toBe(86400)
    const table = wrapper.get('[data-testid="funnel-table"]').text()
    expect(table).toContain('加入购物车')
    expect(table).toContain('40.0%')
    expect(table).toContain('25.0%')
    wrapper.unmount()
  })

  it('shows the cohorts as a heat-map table', async () => {
    const { calls } = fakeFetch([200, { weeks: 2, cohorts: [{ week: '2026-03-02', size: 4, retained: [4, 2, 1] }] }])
    const wrapper = mount(RetentionView, {
      attachTo: document.body,
      global: { plugins: [ElementPlus], stubs: { RouterLink: RouterLinkStub } },
    })
    await flushPromises()
    expect(new URL(calls[0]!.url, 'http://x').searchParams.get('weeks')).toBe('8')
    const text = wrapper.get('[data-testid="retention-table"]').text()
    expect(text).toContain('2026-03-02')
    expect(text).toContain('50.0%')
    expect(text).toContain('第 2 周')
    wrapper.unmount()
  })
})
