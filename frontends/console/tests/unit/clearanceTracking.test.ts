import { flushPromises, mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import { ratioText, stepWindow } from '@/lib/clearance'
import { useAuthStore } from '@/stores/auth'
import ClearanceCandidates from '@/views/analytics/ClearanceCandidates.vue'
import ClearanceSteps from '@/views/analytics/ClearanceSteps.vue'
import { fakeFetch, OWNER_PROFILE } from './helpers'

const candidate = (sku: number, cost: number | null) => ({
  sku_id: sku,
  product_id: 1,
  name: '羊毛围巾',
  spec_text: '颜色:灰',
  available: 400,
  weekly_demand: 7,
  weeks_of_cover: 57.1,
  excess_units: 316,
  price: 10000,
  cost,
  excess_cost: cost === null ? null : 316 * cost,
  model: 'AutoETS',
})

const step = {
  id: 1,
  sku_id: 7,
  product_id: 1,
  name: '羊毛围巾',
  spec_text: '颜色:灰',
  promotion_id: 9,
  list_price: 10000,
  price: 6000,
  cost: 3000,
  starts_at: '2026-12-05T16:00:00Z',
  ends_at: '2026-12-19T16:00:00Z',
  state: 'running',
  elapsed: 0.5,
  projected_units: 172.85,
  projected_revenue: 1037081,
  projected_margin: 518540,
  expected_to_date: 86.43,
  units: 12,
  revenue: 72000,
  margin: 36000,
  ratio: 0.139,
  created_by: 'owner',
  created_at: '2026-12-05T15:00:00Z',
}

describe('清仓定价: candidates and tracking', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    useAuthStore().staff = { ...OWNER_PROFILE, permissions: ['analytics:view'] }
  })

  it('formats the ratio and the window in Beijing time', () => {
    expect(ratioText(null)).toBe('—')
    expect(ratioText(0.139)).toBe('14%')
    expect(stepWindow(step.starts_at, step.ends_at)).toBe('12-06 00:00 ~ 12-20 00:00')
  })

  it('lists candidates, asks again for other weeks and hands a SKU to the planner', async () => {
    const { calls } = fakeFetch(
      [200, { weeks: 12, items: [candidate(7, 3000), candidate(8, null)], computed_at: null }],
      [200, { weeks: 13, items: [], computed_at: null }],
    )
    const wrapper = mount(ClearanceCandidates, { attachTo: document.body, global: { plugins: [ElementPlus] } })
    await flushPromises()
    expect(calls[0]?.url).toBe('/api/v1/console/insights/clearance/candidates?weeks=12')
    const table = wrapper.get('[data-testid="clearance-candidates"]')
    expect(table.text()).toContain('¥9,480.00')
    expect(table.text()).toContain('未填成本')
    await wrapper.get('[data-testid="candidate-plan-7"]').trigger('click')
    expect(wrapper.emitted('plan')).toEqual([[7]])
    await wrapper.get('[data-testid="candidates-weeks"] .el-input-number__increase').trigger('mousedown')
    await flushPromises()
    expect(calls[1]?.url).toBe('/api/v1/console/insights/clearance/candidates?weeks=13')
    wrapper.unmount()
  })

  it('shows each applied step against its projection', async () => {
    fakeFetch([200, { items: [step] }])
    const wrapper = mount(ClearanceSteps, { attachTo: document.body, global: { plugins: [ElementPlus] } })
    await flushPromises()
    const text = wrapper.get('[data-testid="clearance-tracking"]').text()
    expect(text).toContain('进行中')
    expect(text).toContain('50%')
    expect(text).toContain('14%')
    expect(text).toContain('¥720.00 / ¥10,370.81')
    wrapper.unmount()
  })
})
