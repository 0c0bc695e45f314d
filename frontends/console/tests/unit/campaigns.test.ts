import { describe, expect, it } from 'vitest'
import type { CampaignProgress } from '@/api/types'
import { buildCampaign, emptyCampaignForm, isLive, isSignificant, liftText, progressPercent, rate } from '@/lib/campaigns'

describe('campaign form', () => {
  it('builds the body the API takes', () => {
    const form = { ...emptyCampaignForm(), name: ' 沉睡唤醒 ', couponTemplateId: 7, holdoutPercent: 20, startAt: '2026-12-06T09:30' }
    const { body, errors } = buildCampaign(form)
    expect(errors).toEqual({})
    expect(body).toEqual({
      name: '沉睡唤醒',
      audience_kind: 'dormant',
      audience_value: '90',
      message_event: null,
      message_data: {},
      channel: 'subscribe',
      coupon_template_id: 7,
      trigger: 'once',
      start_at: '2026-12-06T09:30:00+08:00',
      holdout_percent: 20,
      cap_days: 7,
      quiet_start: '22:00',
      quiet_end: '08:00',
      window_days: 14,
    })
  })

  it('names each field the API would refuse', () => {
    const form = {
      ...emptyCampaignForm(),
      audienceValue: '10',
      holdoutPercent: 51,
      capDays: 0,
      quietStart: '25:00',
    }
    const { body, errors } = buildCampaign(form)
    expect(body).toBeNull()
    expect(Object.keys(errors).sort()).toEqual(['audienceValue', 'capDays', 'holdoutPercent', 'message', 'name', 'quiet'])
  })

  it('needs a template when the message is on', () => {
    const form = { ...emptyCampaignForm(), name: 'x', withMessage: true }
    expect(buildCampaign(form).errors.message).toBe('请选择消息模板')
  })
})

describe('progress and results', () => {
  const progress: CampaignProgress = {
    audience: 50, treated: 40, holdout: 10, pending: 10, done: 25, skipped_cap: 3,
    skipped_no_credit: 2, deferred_quiet: 0, messages: 0, coupons: 25,
  }

  it('counts touched and skipped as handled', () => {
    expect(progressPercent(progress)).toBe(75)
    expect(progressPercent({ ...progress, treated: 0, pending: 0 })).toBe(0)
    expect(isLive('running')).toBe(true)
    expect(isLive('done')).toBe(false)
  })

  it('writes the lift with its interval', () => {
    const lift = { value: 8, ci_low: -1.72, ci_high: 17.72 }
    expect(liftText(lift, 'orders')).toBe('+8.0 单（95% 区间 -1.7 ~ +17.7）')
    expect(liftText({ value: 80000, ci_low: 1000, ci_high: 159000 }, 'revenue')).toBe(
      '+¥800.00（95% 区间 +¥10.00 ~ +¥1,590.00）',
    )
    expect(liftText({ value: 0, ci_low: null, ci_high: null }, 'orders')).toBe('0.0 单（样本不足，无区间）')
    expect(isSignificant(lift)).toBe(false)
    expect(isSignificant({ value: 8, ci_low: 1, ci_high: 15 })).toBe(true)
    expect(rate(0.3)).toBe('30.0%')
  })
})
