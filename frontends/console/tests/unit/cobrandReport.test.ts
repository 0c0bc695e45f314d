import { flushPromises, mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import { useAuthStore } from '@/stores/auth'
import CobrandReportView from '@/views/openapi/CobrandReportView.vue'
import { fakeFetch, OWNER_PROFILE } from './helpers'

const ROW = {
  app_id: 7,
  app_name: '健康 App',
  revenue_share_bp: 250,
  redemptions: 3,
  revenue: 36000,
  refunded: 6000,
  net: 30000,
  discount: 9000,
  share: 750,
}
const ITEM = { id: 1, app_id: 7, kind: 'bundle', ref_id: 12, name: '健康套餐', created_at: '2026-12-05T02:00:00Z' }

describe('CobrandReportView: 联名分成', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    useAuthStore().staff = { ...OWNER_PROFILE, permissions: ['openapi:manage'] }
  })

  it('shows each app’s share and the items, and saves a rate in basis points', async () => {
    const report = { since: '2026-11-05T00:00:00Z', until: '2026-12-05T00:00:00Z', rows: [ROW] }
    const { calls } = fakeFetch(
      [200, report],
      [200, [ITEM]],
      [200, { id: 7 }],
      [200, { ...report, rows: [{ ...ROW, revenue_share_bp: 300, share: 900 }] }],
      [200, [ITEM]],
    )
    const wrapper = mount(CobrandReportView, { attachTo: document.body, global: { plugins: [ElementPlus] } })
    await flushPromises()
    expect(calls[0]?.url).toContain('/api/v1/console/openapi/cobrand/report?since=')
    const table = wrapper.get('[data-testid="cobrand-report"]')
    expect(table.text()).toContain('健康 App')
    expect(table.text()).toContain('2.50%')
    expect(table.text()).toContain('¥300.00')
    expect(table.text()).toContain('¥7.50')
    expect(wrapper.get('[data-testid="cobrand-items"]').text()).toContain('联名套餐')

    await wrapper.get('[data-testid="set-share"]').trigger('click')
    await flushPromises()
    const input = document.querySelector<HTMLInputElement>('.el-dialog input')
    expect(input).not.toBeNull()
    input!.value = '3'
    input!.dispatchEvent(new Event('input'))
    input!.dispatchEvent(new Event('change'))
    await flushPromises()
    const form = document.querySelector<HTMLFormElement>('.el-dialog form')
    form!.dispatchEvent(new Event('submit'))
    await flushPromises()
    const patch = calls.find((c) => c.method === 'PATCH')
    expect(patch?.url).toBe('/api/v1/console/openapi/apps/7')
    expect(patch?.body).toEqual({ revenue_share_bp: 300 })
    expect(wrapper.get('[data-testid="cobrand-report"]').text()).toContain('3.00%')
    wrapper.unmount()
  })
})
