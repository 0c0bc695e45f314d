import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { flushPromises, mount, RouterLinkStub } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { RFM_CLASS_LABELS } from '@shoplet/shared'
import { isOpen, RFM_CLASSES, runPercent, shareText, tiles } from '@/lib/rfm'
import { useAuthStore } from '@/stores/auth'
import RfmView from '@/views/analytics/RfmView.vue'
import { fakeFetch, OWNER_PROFILE } from './helpers'

const RUN_DONE = {
  id: 3,
  status: 'done',
  trigger: 'schedule',
  progress: 4,
  total: 4,
  observation_end: '2026-12-04',
  error: null,
  created_at: '2026-12-04T01:00:00Z',
  started_at: '2026-12-04T01:00:01Z',
  finished_at: '2026-12-04T01:00:02Z',
}

const SUMMARY = {
  customers: 4,
  spend: 100000,
  classes: RFM_CLASSES.map((code) => ({
    code,
    customers: code === 'important_value' ? 3 : code === 'general_retain' ? 1 : 0,
    share_permille: code === 'important_value' ? 750 : code === 'general_retain' ? 250 : 0,
    spend: code === 'important_value' ? 90000 : code === 'general_retain' ? 10000 : 0,
    clv: 0,
  })),
  points: [
    { days_since_last: 3, orders: 4, spend: 50000, rfm_class: 'important_value' },
    { days_since_last: 200, orders: 1, spend: 10000, rfm_class: 'general_retain' },
  ],
  last_run: RUN_DONE,
  last_done_run: RUN_DONE,
}

function customer(id: number, memberId: number | null) {
  return {
    id,
    customer_key: memberId ? `m:${memberId}` : 'x:A-7',
    member_id: memberId,
    external_customer_id: memberId ? null : 'A-7',
    frequency: 3,
    recency: 40,
    t_days: 60,
    monetary_value: 12000,
    days_since_last: 3,
    orders: 4,
    spend: 50000,
    r_score: 5,
    f_score: 5,
    m_score: 4,
    rfm_class: 'important_value',
    p_alive: 0.93,
    expected_purchases: 2.1,
    clv: 23456,
    last_purchase_on: '2026-12-01',
    computed_at: '2026-12-04T01:00:02Z',
  }
}

describe('rfm helpers', () => {
  it('orders the eight classes as the backend names them, with the glossary names', () => {
    const python = readFileSync(resolve(__dirname, '../../../../src/shoplet/modules/analytics/rfm.py'), 'utf8')
    for (const code of RFM_CLASSES) {
      expect(python).toContain(`"${code}": "${RFM_CLASS_LABELS[code]}"`)
    }
    const shown = tiles([{ code: 'general_keep', customers: 2, share_permille: 125, spend: 100, clv: 0 }])
    expect(shown.map((t) => t.code)).toEqual([...RFM_CLASSES])
    expect(shown[6]).toMatchObject({ name: '一般保持客户', customers: 2 })
    expect(shown[0]).toMatchObject({ name: '重要价值客户', customers: 0, spend: 0 })
  })

  it('shows shares and run progress', () => {
    expect(shareText(125)).toBe('12.5%')
    expect(runPercent({ status: 'running', progress: 1, total: 3 })).toBe(33)
    expect(runPercent({ status: 'queued', progress: 0, total: 0 })).toBe(0)
    expect(runPercent({ status: 'done', progress: 0, total: 0 })).toBe(100)
    expect(isOpen({ status: 'running' })).toBe(true)
    expect(isOpen({ status: 'failed' })).toBe(false)
  })
})

describe('RfmView', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    useAuthStore().staff = { ...OWNER_PROFILE, permissions: ['analytics:view'] }
  })
  afterEach(() => vi.useRealTimers())

  it('shows the class tiles, the charts and a class list with 加载更多', async () => {
    const { calls } = fakeFetch(
      [200, SUMMARY],
      [200, { items: [customer(9, 101)], next_cursor: 'abc' }],
      [200, { items: [customer(8, null)], next_cursor: null }],
    )
    const wrapper = mount(RfmView, {
      attachTo: document.body,
      global: { plugins: [ElementPlus], stubs: { RouterLink: RouterLinkStub } },
    })
    await flushPromises()
    const tile = wrapper.get('[data-testid="rfm-tile-important_value"]')
    expect(tile.text()).toContain('重要价值客户')
    expect(tile.text()).toContain('3')
    expect(tile.text()).toContain('75.0%')
    expect(tile.attributes('aria-pressed')).toBe('true')
    expect(wrapper.get('[data-testid="rfm-tile-general_retain"]').text()).toContain('25.0%')
    expect(wrapper.find('[data-testid="rfm-scatter"]').attributes('role')).toBe('img')
    const table = wrapper.get('[data-testid="rfm-customers"]')
    expect(table.text()).toContain('101')
    expect(table.text()).toContain('5/5/4')
    expect(table.text()).toContain('93%')
    await wrapper.get('[data-testid="rfm-more"]').trigger('click')
    await flushPromises()
    expect(wrapper.get('[data-testid="rfm-customers"]').text()).toContain('A-7')
    expect(wrapper.find('[data-testid="rfm-more"]').exists()).toBe(false)
    const urls = calls.map((c) => new URL(c.url, 'http://x'))
    expect(urls.map((u) => u.pathname)).toEqual([
      '/api/v1/console/analytics/rfm',
      '/api/v1/console/analytics/rfm/customers',
      '/api/v1/console/analytics/rfm/customers',
    ])
    expect(urls[1]!.searchParams.get('rfm_class')).toBe('important_value')
    expect(urls[2]!.searchParams.get('cursor')).toBe('abc')
    wrapper.unmount()
  })

  it('重新计算 queues a run and follows its progress to the end', async () => {
    vi.useFakeTimers()
    const queued = { ...RUN_DONE, id: 4, status: 'queued', progress: 0, total: 0, finished_at: null }
    const running = { ...queued, status: 'running', progress: 1, total: 4 }
    const done = { ...queued, status: 'done', progress: 4, total: 4 }
    const { calls } = fakeFetch(
      [200, { ...SUMMARY, last_run: null }],
      [200, { items: [], next_cursor: null }],
      [202, queued],
      [200, running],
      [200, done],
      [200, SUMMARY],
      [200, { items: [customer(9, 101)], next_cursor: null }],
    )
    const wrapper = mount(RfmView, {
      attachTo: document.body,
      global: { plugins: [ElementPlus], stubs: { RouterLink: RouterLinkStub } },
    })
    await flushPromises()
    await wrapper.get('[data-testid="rfm-recompute"]').trigger('click')
    await flushPromises()
    expect(wrapper.get('[data-testid="rfm-run"]').text()).toContain('排队中')
    expect(wrapper.get('[data-testid="rfm-recompute"]').attributes('disabled')).toBeDefined()
    await vi.advanceTimersByTimeAsync(1500)
    await flushPromises()
    expect(wrapper.get('[data-testid="rfm-run"]').text()).toContain('计算中')
    expect(wrapper.get('[data-testid="rfm-run"]').text()).toContain('25%')
    await vi.advanceTimersByTimeAsync(1500)
    await flushPromises()
    expect(wrapper.get('[data-testid="rfm-run"]').text()).toContain('已完成')
    expect(calls[2]!.method).toBe('POST')
    expect(new URL(calls[3]!.url, 'http://x').pathname).toBe('/api/v1/console/analytics/rfm/runs/4')
    expect(wrapper.get('[data-testid="rfm-customers"]').text()).toContain('101')
    wrapper.unmount()
  })
})
