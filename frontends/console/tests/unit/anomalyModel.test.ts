import { flushPromises, mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import { useAuthStore } from '@/stores/auth'
import AnomalyModelPanel from '@/views/risk/AnomalyModelPanel.vue'
import { fakeFetch, OWNER_PROFILE } from './helpers'

const MODEL = { version: 'if-20261205T213000-n812-1a2b3c4d', samples: 812, fitted_by: 'owner', fitted_at: '2026-12-05T21:30:00Z' }

describe('AnomalyModelPanel: 异常检测模型', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    useAuthStore().staff = { ...OWNER_PROFILE, permissions: ['risk:manage'] }
  })

  it('waits for enough samples before it can refit', async () => {
    fakeFetch([200, { model: null, samples: 120, min_samples: 500, sample_rate: 0.05 }])
    const wrapper = mount(AnomalyModelPanel, { attachTo: document.body, global: { plugins: [ElementPlus] } })
    await flushPromises()
    expect(wrapper.text()).toContain('尚未训练：正常流量采样满 500 条后，每日自动训练')
    expect(wrapper.get('[data-testid="risk-model-samples"]').text()).toBe('120 / 500')
    expect(wrapper.text()).toContain('5%')
    expect(wrapper.get('[data-testid="risk-model-refit"]').attributes('disabled')).toBeDefined()
    wrapper.unmount()
  })

  it('refits on demand and shows the new version', async () => {
    const { calls } = fakeFetch(
      [200, { model: null, samples: 812, min_samples: 500, sample_rate: 0.05 }],
      [200, { model: MODEL, samples: 812, min_samples: 500, sample_rate: 0.05 }],
    )
    const wrapper = mount(AnomalyModelPanel, { attachTo: document.body, global: { plugins: [ElementPlus] } })
    await flushPromises()
    await wrapper.get('[data-testid="risk-model-refit"]').trigger('click')
    await flushPromises()
    expect(calls[1]?.url).toBe('/api/v1/console/risk/anomaly/refit')
    expect(calls[1]?.method).toBe('POST')
    expect(wrapper.get('[data-testid="risk-model-version"]').text()).toBe(MODEL.version)
    expect(wrapper.text()).toContain('812')
    wrapper.unmount()
  })

  it('says why a refit was refused', async () => {
    fakeFetch(
      [200, { model: null, samples: 500, min_samples: 500, sample_rate: 0.05 }],
      [409, { type: 'about:blank', title: 'x', status: 409, code: 'risk.not_enough_samples', detail: '499 samples stored' }],
    )
    const wrapper = mount(AnomalyModelPanel, { attachTo: document.body, global: { plugins: [ElementPlus] } })
    await flushPromises()
    await wrapper.get('[data-testid="risk-model-refit"]').trigger('click')
    await flushPromises()
    expect(wrapper.get('[role="alert"]').text()).toContain('采样的正常流量还不够')
    wrapper.unmount()
  })
})
