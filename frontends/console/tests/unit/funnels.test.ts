import { flushPromises, mount, RouterLinkStub } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { funnelBody, groupName, heatStyle, needsTarget, percent, retentionShare } from '@/lib/funnels'
import FunnelView from '@/views/analytics/FunnelView.vue'
import RetentionView from '@/views/analytics/RetentionView.vue'
import { fakeFetch, problem } from './helpers'

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

  it('sends the segment or the experiment only with its breakdown', () => {
    expect(funnelBody([], 60, ['a', 'b'], 'segment', 7)).toMatchObject({ breakdown: 'segment', segment_id: 7 })
    expect(funnelBody([], 60, ['a', 'b'], 'experiment', 3)).toMatchObject({ breakdown: 'experiment', experiment_id: 3 })
    const region = funnelBody([], 60, ['a', 'b'], 'region', 7)
    expect(region.breakdown).toBe('region')
    expect(region).not.toHaveProperty('segment_id')
    expect(region).not.toHaveProperty('experiment_id')
    expect(funnelBody([], 60, ['a', 'b'], 'segment')).not.toHaveProperty('segment_id')
    expect([needsTarget('segment'), needsTarget('experiment'), needsTarget('region'), needsTarget('')]).toEqual([true, true, false, false])
    expect(groupName({ value: '44', label: '广东省' })).toBe('广东省')
    expect(groupName({ value: 'h5', label: null })).toBe('h5')
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

  it('breaks down by a segment chosen in the second selector, groups named by their labels', async () => {
    const { calls } = fakeFetch(
      [200, [{ id: 5, name: '高价值', definition: {}, members: 3, created_at: '2026-03-01T00:00:00Z', updated_at: '2026-03-01T00:00:00Z' }]],
      [
        200,
        {
          steps: [step('page_view', 3, 1, 1, 0), step('add_to_cart', 2, 0.6667, 0.6667, 1)],
          breakdown: 'segment',
          groups: [
            { value: 'in', label: '属于', steps: [step('page_view', 2, 1, 1, 0), step('add_to_cart', 1, 0.5, 0.5, 1)] },
            { value: 'anonymous', label: '匿名访客', steps: [step('page_view', 1, 1, 1, 0), step('add_to_cart', 1, 1, 1, 0)] },
          ],
        },
      ],
    )
    const wrapper = mount(FunnelView, {
      attachTo: document.body,
      global: { plugins: [ElementPlus], stubs: { RouterLink: RouterLinkStub } },
    })
    const selects = () => wrapper.findAllComponents({ name: 'ElSelect' })
    const breakdownSelect = selects().find((c) => c.attributes('aria-label') === '分组' || c.props('ariaLabel') === '分组')
    expect(breakdownSelect).toBeDefined()
    expect(wrapper.text()).not.toContain('选择人群')
    breakdownSelect!.vm.$emit('update:modelValue', 'segment')
    await flushPromises()
    expect(new URL(calls[0]!.url, 'http://x').pathname).toBe('/api/v1/console/analytics/segments')
    expect(wrapper.text()).toContain('请先选择人群或实验')
    expect(wrapper.get('[data-testid="funnel-run"]').attributes('disabled')).toBeDefined()
    const targetSelect = selects().find((c) => c.attributes('data-testid') === 'funnel-target')
    expect(targetSelect).toBeDefined()
    targetSelect!.vm.$emit('update:modelValue', 5)
    await flushPromises()
    expect(wrapper.get('[data-testid="funnel-run"]').attributes('disabled')).toBeUndefined()
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(calls).toHaveLength(2)
    expect(calls[1]!.body).toMatchObject({ breakdown: 'segment', segment_id: 5 })
    const names = wrapper.findAll('[data-testid="funnel-table"] h2').map((h) => h.text())
    expect(names).toEqual(['分组：全部', '分组：属于', '分组：匿名访客'])
    wrapper.unmount()
  })

  it('lists experiments for the arm breakdown and says why when the list is refused', async () => {
    const { calls } = fakeFetch(problem(403, 'auth.forbidden', '没有权限'))
    const wrapper = mount(FunnelView, {
      attachTo: document.body,
      global: { plugins: [ElementPlus], stubs: { RouterLink: RouterLinkStub } },
    })
    const breakdownSelect = wrapper
      .findAllComponents({ name: 'ElSelect' })
      .find((c) => c.attributes('aria-label') === '分组' || c.props('ariaLabel') === '分组')
    breakdownSelect!.vm.$emit('update:modelValue', 'experiment')
    await flushPromises()
    const url = new URL(calls[0]!.url, 'http://x')
    expect(url.pathname).toBe('/api/v1/console/experiments')
    expect(url.searchParams.get('limit')).toBe('50')
    expect(wrapper.find('[role="alert"]').exists()).toBe(true)
    expect(wrapper.text()).toContain('选择实验')
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
