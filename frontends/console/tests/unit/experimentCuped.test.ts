import { flushPromises, mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import { EXPERIMENT_MANAGE_LABELS as L } from '@shoplet/shared'
import { segmentIdsOf } from '@/lib/flags'
import { useAuthStore } from '@/stores/auth'
import ExperimentResultsView from '@/views/experiments/ExperimentResultsView.vue'
import { fakeFetch, OWNER_PROFILE } from './helpers'

const ARM = { weight: 5000, visitors: 400, conversions: 40, orders: 50, revenue: 300000, rate: 0.1, ci_low: 0.07, ci_high: 0.13, revenue_per_visitor: 750, aov: 6000 }
const EXPERIMENT = { id: 5, name: '首页布局', decisions: [] }

function results(metrics: unknown[]) {
  return {
    experiment_id: 5,
    status: 'running',
    primary_metric: 'revenue_per_visitor',
    arms: [
      { key: 'default', name: '默认', ...ARM },
      { key: 'shelf_first', name: '推荐在前', ...ARM },
    ],
    analysis: null,
    srm_blocked: false,
    note: '',
    allocations: [],
    cuped: { pre_period_days: 28, pre_period_start: '2026-11-01T00:00:00Z', metrics, note: '' },
  }
}

const RPV = {
  metric: 'revenue_per_visitor',
  theta: 0.61,
  variance_reduction: 0.4412,
  arms: [],
  comparisons: [
    {
      arm: 'shelf_first',
      baseline: 'default',
      diff: 120,
      ci_low: 20,
      ci_high: 220,
      p_value: 0.02,
      p_adjusted: 0.02,
      raw_diff: 140,
      raw_ci_low: -30,
      raw_ci_high: 310,
      raw_p_value: 0.1,
      variance_reduction: 0.43,
    },
  ],
}

describe('实验结果 · CUPED', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    useAuthStore().staff = { ...OWNER_PROFILE, permissions: ['experiments:manage'] }
  })

  async function mounted() {
    const wrapper = mount(ExperimentResultsView, { props: { id: 5 }, attachTo: document.body, global: { plugins: [ElementPlus] } })
    await flushPromises()
    return wrapper
  }

  it('shows the adjusted interval next to the plain one with the variance reduction, behind a toggle', async () => {
    const { calls } = fakeFetch([200, EXPERIMENT], [200, results([RPV])])
    const wrapper = await mounted()
    expect(calls.map((c) => c.url)).toEqual([
      expect.stringContaining('/api/v1/console/experiments/5'),
      expect.stringContaining('/api/v1/console/experiments/5/results'),
    ])
    const card = wrapper.get('[data-testid="cuped-revenue_per_visitor"]')
    expect(card.get('[data-testid="cuped-reduction"]').text()).toBe('44.12%')
    expect(card.text()).toContain(L.revenuePerVisitor)
    expect(card.text()).toContain('43.00%')
    expect(card.text()).toContain('¥0.20 – ¥2.20')
    expect(card.text()).toContain('-¥0.30 – ¥3.10')
    await wrapper.get('[data-testid="cuped-toggle"]').trigger('click')
    expect(wrapper.find('[data-testid="cuped-revenue_per_visitor"]').exists()).toBe(false)
    wrapper.unmount()
  })

  it('says why nothing is adjusted yet', async () => {
    fakeFetch([200, EXPERIMENT], [200, results([])])
    const wrapper = await mounted()
    expect(wrapper.get('[data-testid="cuped-none"]').text()).toBe(L.cupedNone)
    wrapper.unmount()
  })

  it('reads the segment ids a flag rule holds for its picker', () => {
    expect(segmentIdsOf('3, 7，x 0 9')).toEqual([3, 7, 9])
    expect(segmentIdsOf('')).toEqual([])
  })
})
