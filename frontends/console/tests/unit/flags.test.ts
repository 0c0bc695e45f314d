import { flushPromises, mount } from '@vue/test-utils'
import ElementPlus, { ElMessageBox } from 'element-plus'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { FLAG_LABELS, FLAG_RELEASE_STATUS_LABELS } from '@shoplet/shared'
import { formToRule, parseSteps, ruleToForm } from '@/lib/flags'
import { useAuthStore } from '@/stores/auth'
import FlagsView from '@/views/experiments/FlagsView.vue'
import { fakeFetch, OWNER_PROFILE, problem } from './helpers'

const FLAG = {
  id: 1,
  key: 'new_checkout',
  description: '新结算页',
  kind: 'boolean',
  variants: { on: true, off: false },
  default_variant: 'off',
  off_variant: 'off',
  is_enabled: true,
  rules: [
    { type: 'deny', member_ids: [13] },
    { type: 'percentage', percent: 5, variant: 'on', release: true },
  ],
  version: 4,
  created_at: '2026-12-05T00:00:00Z',
  updated_at: '2026-12-05T00:00:00Z',
}

describe('flag rule lines', () => {
  it('turns each line into the backend rule and back', () => {
    expect(formToRule({ type: 'allow', value: '1, 2，3', variant: 'on' })).toEqual({ type: 'allow', member_ids: [1, 2, 3], variant: 'on' })
    expect(formToRule({ type: 'deny', value: '7', variant: 'on' })).toEqual({ type: 'deny', member_ids: [7] })
    expect(formToRule({ type: 'platform', value: 'mp-weixin h5', variant: 'on' })).toEqual({ type: 'platform', platforms: ['mp-weixin', 'h5'], variant: 'on' })
    expect(formToRule({ type: 'app_version', value: '2.3-', variant: 'on' })).toEqual({ type: 'app_version', min: '2.3', max: null, variant: 'on' })
    expect(formToRule({ type: 'percentage', value: '12.5', variant: 'on' })).toEqual({ type: 'percentage', percent: 12.5, variant: 'on', release: false })
    expect(ruleToForm({ type: 'app_version', min: '2.3', max: '2.9', variant: 'on' }, 'off')).toEqual({ type: 'app_version', value: '2.3-2.9', variant: 'on' })
    expect(ruleToForm({ type: 'deny', member_ids: [1, 2] }, 'off')).toEqual({ type: 'deny', value: '1, 2', variant: 'off' })
  })

  it('refuses bad lines with a message', () => {
    expect(() => formToRule({ type: 'percentage', value: '101', variant: 'on' })).toThrow('0–100')
    expect(() => formToRule({ type: 'allow', value: '1, x', variant: 'on' })).toThrow('正整数')
    expect(() => formToRule({ type: 'app_version', value: 'abc', variant: 'on' })).toThrow('版本范围')
    expect(parseSteps('1, 5, 25, 100')).toEqual([1, 5, 25, 100])
    expect(() => parseSteps('5, 1')).toThrow('逐步增大')
    expect(() => parseSteps('0, 50')).toThrow('逐步增大')
  })
})

describe('FlagsView', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    useAuthStore().staff = { ...OWNER_PROFILE, permissions: ['experiments:manage'] }
  })
  afterEach(() => vi.restoreAllMocks())

  async function mounted() {
    const wrapper = mount(FlagsView, { attachTo: document.body, global: { plugins: [ElementPlus] } })
    await flushPromises()
    return wrapper
  }

  it('lists flags and asks before the kill switch', async () => {
    const { calls } = fakeFetch([200, { items: [FLAG], next_cursor: null }], [200, { ...FLAG, is_enabled: false, version: 5 }])
    const confirm = vi.spyOn(ElMessageBox, 'confirm')
    confirm.mockRejectedValueOnce('cancel')
    const wrapper = await mounted()
    expect(wrapper.get('[data-testid="flag-table"]').text()).toContain('new_checkout')
    await wrapper.get('[data-testid="toggle-new_checkout"]').trigger('click')
    await flushPromises()
    expect(confirm).toHaveBeenCalledWith(FLAG_LABELS.killConfirm, FLAG_LABELS.killConfirmTitle, expect.anything())
    expect(calls).toHaveLength(1) // cancelled: nothing sent
    confirm.mockResolvedValueOnce('confirm' as never)
    await wrapper.get('[data-testid="toggle-new_checkout"]').trigger('click')
    await flushPromises()
    expect(calls[1]!.url).toContain('/api/v1/console/flags/new_checkout/toggle')
    expect(calls[1]!.body).toEqual({ is_enabled: false })
    wrapper.unmount()
  })

  it('edits rules without the release rule, and shows a refusal from the glossary', async () => {
    const { calls } = fakeFetch([200, { items: [FLAG], next_cursor: null }], problem(400, 'experiments.flag_invalid_percentage'))
    const wrapper = await mounted()
    await wrapper.findAll('button').find((b) => b.text() === FLAG_LABELS.edit)!.trigger('click')
    await flushPromises()
    const rules = document.querySelectorAll('[data-testid^="rule-"]')
    expect(rules).toHaveLength(1) // the release's own rule is not edited here
    document.querySelector<HTMLButtonElement>('[data-testid="save-flag"]')!.click()
    await flushPromises()
    expect(calls[1]!.method).toBe('PUT')
    expect(calls[1]!.body).toEqual({
      description: '新结算页',
      variants: { on: true, off: false },
      default_variant: 'off',
      off_variant: 'off',
      rules: [{ type: 'deny', member_ids: [13] }],
    })
    expect(document.body.textContent).toContain('比例无效')
    wrapper.unmount()
  })

  it('shows a release’s progress and why it rolled back', async () => {
    const release = {
      id: 3, flag_id: 1, variant: 'on', steps: [1, 5, 25, 100], step_index: 1, percent: 0, hold_seconds: 3600,
      guardrails: { error_rate: 0.02, payment_failure_rate: null, latency_p99_ms: null }, status: 'rolled_back',
      reason: 'error_rate 0.08 > 0.02', created_by: 'ops', step_started_at: FLAG.created_at, created_at: FLAG.created_at, updated_at: FLAG.created_at,
    }
    fakeFetch([200, { items: [FLAG], next_cursor: null }], [200, release])
    const wrapper = await mounted()
    await wrapper.findAll('button').find((b) => b.text() === FLAG_LABELS.release)!.trigger('click')
    await flushPromises()
    const progress = document.querySelector('[data-testid="release-progress"]')!.textContent!
    expect(progress).toContain(FLAG_RELEASE_STATUS_LABELS.rolled_back)
    expect(progress).toContain('error_rate 0.08 > 0.02')
    wrapper.unmount()
  })
})
