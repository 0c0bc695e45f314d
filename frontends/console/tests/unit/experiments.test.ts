import { flushPromises, mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import { EXPERIMENT_LABELS, EXPERIMENT_VERDICT_LABELS } from '@shoplet/shared'
import { analyzeBody, emptyArm, intervalPoints, parseArmsCsv, percent, pValue, signedPercent } from '@/lib/experiments'
import { useAuthStore } from '@/stores/auth'
import ExperimentCalculatorView from '@/views/experiments/ExperimentCalculatorView.vue'
import { fakeFetch, OWNER_PROFILE, problem } from './helpers'

const OPTIONS = { alpha: 0.05, correction: 'holm', decision: 'fixed' } as const

function analysis(srm: boolean) {
  return {
    arms: [
      { name: 'A', visitors: 10000, conversions: 1000, rate: 0.1, ci_low: 0.0942, ci_high: 0.106, prob_best: 0.004, expected_loss: 0.012, revenue: null },
      { name: 'B', visitors: 10000, conversions: 1120, rate: 0.112, ci_low: 0.106, ci_high: 0.1183, prob_best: 0.996, expected_loss: 0.00001, revenue: null },
    ],
    comparisons: [
      {
        arm: 'B', baseline: 'A', z: 2.76, p_value: 0.0058, p_adjusted: 0.0058, relative_lift: 0.12, ci_low: 0.034, ci_high: 0.213,
        diff: 0.012, diff_ci_low: 0.0035, diff_ci_high: 0.0205, sequential: { p_value: 0.31, p_adjusted: 0.31, tau: 0.0106 }, revenue: null,
      },
    ],
    chi2: { statistic: 7.62, p_value: 0.0058, dof: 1 },
    srm: srm ? { chi2: 22.9, p_value: 0.0000017, detected: true } : { chi2: 0, p_value: 1, detected: false },
    verdict: srm ? null : 'B',
    verdict_status: srm ? 'blocked' : 'winner',
    verdict_reason: srm ? 'sample ratio mismatch' : 'B beats A (p = 0.0058)',
    alpha: 0.05,
    correction: 'holm',
    decision: 'fixed',
    samples: 200000,
  }
}

describe('experiment calculator helpers', () => {
  it('parses pasted CSV with or without a header, revenue optional', () => {
    expect(parseArmsCsv('组名,访客数,转化数\nA,100,10\nB\t120\t14\t500\t9000\n')).toEqual([
      { name: 'A', visitors: 100, conversions: 10, share: null, revenueSum: null, revenueSumSquares: null },
      { name: 'B', visitors: 120, conversions: 14, share: null, revenueSum: 500, revenueSumSquares: 9000 },
    ])
    expect(() => parseArmsCsv('A,100,10\nB,abc,3')).toThrow('第 2 行')
  })

  it('builds the request: split in percent or fractions, equal when any share is missing', () => {
    const arms = [
      { ...emptyArm(0), visitors: 100, conversions: 10, share: 50 },
      { ...emptyArm(1), visitors: 100, conversions: 12, share: 50 },
    ]
    expect(analyzeBody(arms, OPTIONS)).toEqual({
      arms: [{ name: 'A', visitors: 100, conversions: 10 }, { name: 'B', visitors: 100, conversions: 12 }],
      expected_split: [0.5, 0.5],
      ...OPTIONS,
    })
    expect(analyzeBody([{ ...arms[0]!, share: 0.3 }, { ...arms[1]!, share: 0.7 }], OPTIONS).expected_split).toEqual([0.3, 0.7])
    expect(analyzeBody([arms[0]!, { ...arms[1]!, share: null }], OPTIONS).expected_split).toBeUndefined()
  })

  it('formats rates, lifts and p-values', () => {
    expect(percent(0.1123)).toBe('11.23%')
    expect(signedPercent(0.12)).toBe('+12.00%')
    expect(signedPercent(null)).toBe('—')
    expect(pValue(0.00001)).toBe('< 0.0001')
    expect(pValue(0.0458)).toBe('0.0458')
    expect(intervalPoints([{ name: 'A', rate: 0.1, ci_low: 0.0942, ci_high: 0.106 }])).toEqual([{ name: 'A', rate: 10, low: 9.42, high: 10.6 }])
  })
})

describe('ExperimentCalculatorView', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    useAuthStore().staff = { ...OWNER_PROFILE, permissions: ['experiments:manage'] }
  })

  async function mounted() {
    const wrapper = mount(ExperimentCalculatorView, { attachTo: document.body, global: { plugins: [ElementPlus] } })
    await flushPromises()
    return wrapper
  }

  it('sends the arms and shows results, the verdict and the chart', async () => {
    const { calls } = fakeFetch([200, analysis(false)])
    const wrapper = await mounted()
    await wrapper.get('textarea').setValue('A,10000,1000\nB,10000,1120')
    await wrapper.findAll('button').find((b) => b.text() === EXPERIMENT_LABELS.applyCsv)!.trigger('click')
    await wrapper.findAll('button').find((b) => b.text() === EXPERIMENT_LABELS.analyze)!.trigger('click')
    await flushPromises()
    expect(calls[0]!.url).toContain('/api/v1/console/experiments/analyze')
    expect(calls[0]!.body).toEqual({
      arms: [{ name: 'A', visitors: 10000, conversions: 1000 }, { name: 'B', visitors: 10000, conversions: 1120 }],
      ...OPTIONS,
    })
    const results = wrapper.get('[data-testid="results"]').text()
    expect(results).toContain('11.20%')
    expect(results).toContain('+12.00%')
    expect(results).toContain('99.6%')
    expect(wrapper.get('[data-testid="verdict"]').text()).toContain(EXPERIMENT_VERDICT_LABELS.winner)
    expect(wrapper.find('[data-testid="srm-banner"]').exists()).toBe(false)
    expect(wrapper.find('[role="img"]').attributes('aria-label')).toBe(EXPERIMENT_LABELS.chartTitle)
    wrapper.unmount()
  })

  it('warns of a sample-ratio mismatch and shows the verdict as blocked', async () => {
    fakeFetch([200, analysis(true)])
    const wrapper = await mounted()
    await wrapper.findAll('button').find((b) => b.text() === EXPERIMENT_LABELS.analyze)!.trigger('click')
    await flushPromises()
    expect(wrapper.get('[data-testid="srm-banner"]').text()).toContain(EXPERIMENT_LABELS.srm)
    expect(wrapper.get('[data-testid="verdict"]').text()).toContain(EXPERIMENT_VERDICT_LABELS.blocked)
    wrapper.unmount()
  })

  it('shows the glossary message of a refused analysis', async () => {
    fakeFetch(problem(400, 'experiments.invalid_arms'))
    const wrapper = await mounted()
    await wrapper.findAll('button').find((b) => b.text() === EXPERIMENT_LABELS.analyze)!.trigger('click')
    await flushPromises()
    expect(wrapper.get('[role="alert"]').text()).toContain('实验组数据无效')
    wrapper.unmount()
  })

  it('computes the sample size', async () => {
    const { calls } = fakeFetch([200, { visitors_per_arm: 31234, total_visitors: 62468, effect_size: 0.02, alpha_per_comparison: 0.05 }])
    const wrapper = await mounted()
    await wrapper.findAll('button').find((b) => b.text() === EXPERIMENT_LABELS.compute)!.trigger('click')
    await flushPromises()
    expect(calls[0]!.body).toEqual({ baseline_rate: 0.05, minimum_detectable_lift: 0.1, alpha: 0.05, power: 0.8, arms: 2 })
    expect(wrapper.get('[data-testid="sample-size"]').text()).toContain('31,234')
    wrapper.unmount()
  })
})
