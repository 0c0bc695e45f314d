/**
 * 唤醒活动: the form staff fill (a Beijing start time, percentages, HH:MM quiet hours) turned
 * into the API's body, checked with the API's own ranges (campaigns/service.py) so a mistake is
 * named on its field before a request; the progress bar and the holdout comparison's wording.
 */
import { formatFen, type Tone } from '@shoplet/shared'
import type { Campaign, CampaignInput, CampaignLift, CampaignProgress } from '@/api/types'
import { beijingInputToIso, toBeijingInput } from '@/lib/flashsale'

export const MAX_HOLDOUT = 50
export const DORMANT_DAYS = [30, 365] as const

export const CAMPAIGN_STATUS_TONES: Readonly<Record<string, Tone>> = {
  draft: 'info',
  scheduled: 'primary',
  running: 'warning',
  done: 'success',
  cancelled: 'info',
}

export type AudienceKind = CampaignInput['audience_kind']
export type CampaignChannel = NonNullable<CampaignInput['channel']>

export interface CampaignForm {
  name: string
  audienceKind: AudienceKind
  audienceValue: string
  withMessage: boolean
  messageEvent: string
  messageData: Record<string, string>
  channel: CampaignChannel
  couponTemplateId: number | null
  trigger: 'once' | 'daily'
  /** Beijing time as typed (YYYY-MM-DDTHH:MM), empty: as soon as started. */
  startAt: string
  holdoutPercent: number
  capDays: number
  quietStart: string
  quietEnd: string
  windowDays: number
}

export type CampaignField = 'name' | 'audienceValue' | 'message' | 'holdoutPercent' | 'capDays' | 'quiet' | 'startAt' | 'windowDays'

export function emptyCampaignForm(): CampaignForm {
  return {
    name: '',
    audienceKind: 'dormant',
    audienceValue: '90',
    withMessage: false,
    messageEvent: '',
    messageData: {},
    channel: 'subscribe',
    couponTemplateId: null,
    trigger: 'once',
    startAt: '',
    holdoutPercent: 10,
    capDays: 7,
    quietStart: '22:00',
    quietEnd: '08:00',
    windowDays: 14,
  }
}

export function formOf(c: Campaign): CampaignForm {
  return {
    name: c.name,
    audienceKind: c.audience_kind,
    audienceValue: c.audience_value,
    withMessage: c.message_event !== null,
    messageEvent: c.message_event ?? '',
    messageData: { ...c.message_data },
    channel: c.channel,
    couponTemplateId: c.coupon_template_id,
    trigger: c.trigger,
    startAt: c.start_at ? toBeijingInput(new Date(c.start_at)) : '',
    holdoutPercent: c.holdout_percent,
    capDays: c.cap_days,
    quietStart: c.quiet_start,
    quietEnd: c.quiet_end,
    windowDays: c.window_days,
  }
}

const CLOCK = /^([01]\d|2[0-3]):[0-5]\d$/

/** The API's body, or the first problem of each field (nothing is sent while there is one). */
export function buildCampaign(form: CampaignForm): {
  body: CampaignInput | null
  errors: Partial<Record<CampaignField, string>>
} {
  const errors: Partial<Record<CampaignField, string>> = {}
  const name = form.name.trim()
  if (!name || name.length > 60) errors.name = '请填写 1–60 字的活动名称'
  const value = form.audienceValue.trim()
  if (!value) errors.audienceValue = '请选择人群'
  else if (form.audienceKind === 'dormant') {
    const days = Number(value)
    if (!/^\d+$/.test(value) || days < DORMANT_DAYS[0] || days > DORMANT_DAYS[1]) {
      errors.audienceValue = `沉睡天数须为 ${DORMANT_DAYS[0]}–${DORMANT_DAYS[1]} 天`
    }
  }
  if (!form.withMessage && form.couponTemplateId === null) {
    errors.message = '请至少选择消息或优惠券中的一项'
  } else if (form.withMessage && !form.messageEvent) {
    errors.message = '请选择消息模板'
  }
  if (!Number.isInteger(form.holdoutPercent) || form.holdoutPercent < 0 || form.holdoutPercent > MAX_HOLDOUT) {
    errors.holdoutPercent = `对照组比例须为 0–${MAX_HOLDOUT}%`
  }
  if (!Number.isInteger(form.capDays) || form.capDays < 1 || form.capDays > 365) {
    errors.capDays = '触达频次上限须为 1–365 天一次'
  }
  if (!Number.isInteger(form.windowDays) || form.windowDays < 1 || form.windowDays > 90) {
    errors.windowDays = '归因窗口须为 1–90 天'
  }
  if (!CLOCK.test(form.quietStart) || !CLOCK.test(form.quietEnd)) errors.quiet = '免打扰时段须为 HH:MM'
  let startAt: string | null = null
  if (form.startAt) {
    startAt = beijingInputToIso(form.startAt)
    if (startAt === null) errors.startAt = '请选择开始时间'
  }
  if (Object.keys(errors).length) return { body: null, errors }
  return {
    body: {
      name,
      audience_kind: form.audienceKind,
      audience_value: value,
      message_event: form.withMessage ? form.messageEvent : null,
      message_data: form.withMessage ? { ...form.messageData } : {},
      channel: form.channel,
      coupon_template_id: form.couponTemplateId,
      trigger: form.trigger,
      start_at: startAt,
      holdout_percent: form.holdoutPercent,
      cap_days: form.capDays,
      quiet_start: form.quietStart,
      quiet_end: form.quietEnd,
      window_days: form.windowDays,
    },
    errors,
  }
}

/** Share of the treated group handled so far (touched or skipped), 0–100. */
export function progressPercent(p: CampaignProgress): number {
  if (p.treated === 0) return 0
  const handled = p.treated - p.pending
  return Math.round((handled / p.treated) * 100)
}

/** Whether the page should keep polling the campaign. */
export function isLive(status: string): boolean {
  return status === 'scheduled' || status === 'running'
}

function signed(text: string, value: number): string {
  return value > 0 ? `+${text}` : text
}

function orders(value: number): string {
  return value.toFixed(1)
}

function fen(value: number): string {
  return formatFen(Math.round(value))
}

/** "+8.0 单（95% 区间 -1.7 ~ +17.7）", or for revenue "+¥800.00（95% 区间 …）". */
export function liftText(lift: CampaignLift, kind: 'orders' | 'revenue'): string {
  const show = kind === 'orders' ? orders : fen
  const unit = kind === 'orders' ? ' 单' : ''
  const head = `${signed(show(lift.value), lift.value)}${unit}`
  if (lift.ci_low === null || lift.ci_high === null) return `${head}（样本不足，无区间）`
  return `${head}（95% 区间 ${signed(show(lift.ci_low), lift.ci_low)} ~ ${signed(show(lift.ci_high), lift.ci_high)}）`
}

/** Whether the interval leaves out zero: the lift is unlikely to be chance. */
export function isSignificant(lift: CampaignLift): boolean {
  return lift.ci_low !== null && lift.ci_high !== null && (lift.ci_low > 0 || lift.ci_high < 0)
}

export function rate(value: number): string {
  return `${(value * 100).toFixed(1)}%`
}
