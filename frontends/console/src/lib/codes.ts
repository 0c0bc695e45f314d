/**
 * Form logic of the code-batch dialog (兑换码), the segment issue dialog (按人群发券) and job
 * progress: each checks what the API checks, names the field, and builds the request body.
 */
import type { CouponJob, Segment } from '@/api/types'
import { yuanToFen } from '@/lib/money'

export const MAX_CODES = 50_000
const ONE_TIME_ALPHABET = /^[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{12}$/

export interface CodeBatchForm {
  kind: 'one_time' | 'shared'
  count: string
  code: string
}

export type CodeBatchBody = { kind: 'one_time'; count: number } | { kind: 'shared'; code: string }

/** The body of `POST .../codes`, or the error of the field at fault (`count` / `code`). */
export function buildCodeBatch(
  form: CodeBatchForm,
  totalQuota: number,
): { body: CodeBatchBody | null; errors: Partial<Record<'count' | 'code', string>> } {
  if (form.kind === 'one_time') {
    const count = Number(form.count.trim())
    const most = Math.min(MAX_CODES, totalQuota)
    if (!/^\d+$/.test(form.count.trim()) || count < 1 || count > most) {
      return { body: null, errors: { count: `数量须为 1–${most} 的整数（不超过优惠券总量）` } }
    }
    return { body: { kind: 'one_time', count }, errors: {} }
  }
  const code = form.code.replace(/[\s-]/g, '').toUpperCase()
  if (!/^[A-Z0-9]{4,20}$/.test(code)) {
    return { body: null, errors: { code: '通用码为 4–20 位字母或数字' } }
  }
  if (ONE_TIME_ALPHABET.test(code)) {
    return { body: null, errors: { code: '12 位的这种码留给一次性码，请换一个长度' } }
  }
  return { body: { kind: 'shared', code }, errors: {} }
}

export interface SegmentForm {
  /** Beijing dates "2026-01-01" (the day's start); empty: no bound. */
  registeredFrom: string
  registeredTo: string
  paid: 'any' | 'yes' | 'no'
  minPaidOrders: string
  minSpentYuan: string
  spentDays: string
  lastOrderBefore: string
}

export function emptySegmentForm(): SegmentForm {
  return {
    registeredFrom: '',
    registeredTo: '',
    paid: 'any',
    minPaidOrders: '',
    minSpentYuan: '',
    spentDays: '',
    lastOrderBefore: '',
  }
}

type SegmentField = keyof SegmentForm

/** A real calendar day written YYYY-MM-DD (2026-13-40 is not one). */
function isDay(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value)
  if (!m) return false
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  const at = new Date(Date.UTC(y, mo - 1, d))
  return at.getUTCFullYear() === y && at.getUTCMonth() === mo - 1 && at.getUTCDate() === d
}

function beijingStart(day: string): string {
  return `${day}T00:00:00+08:00`
}

/** The `segment` of `POST .../issue`, or the errors by field. */
export function buildSegment(form: SegmentForm): {
  segment: Segment | null
  errors: Partial<Record<SegmentField, string>>
} {
  const errors: Partial<Record<SegmentField, string>> = {}
  const segment: Segment = {}
  for (const [field, key] of [
    ['registeredFrom', 'registered_from'],
    ['registeredTo', 'registered_to'],
    ['lastOrderBefore', 'last_order_before'],
  ] as const) {
    const value = form[field].trim()
    if (!value) continue
    if (!isDay(value)) errors[field] = '日期格式为 2026-01-31'
    else segment[key] = beijingStart(value)
  }
  if (segment.registered_from && segment.registered_to && form.registeredTo <= form.registeredFrom) {
    errors.registeredTo = '结束日期须晚于开始日期'
  }
  if (form.paid !== 'any') segment.has_paid_order = form.paid === 'yes'
  const orders = form.minPaidOrders.trim()
  if (orders) {
    if (!/^\d+$/.test(orders) || Number(orders) < 1) errors.minPaidOrders = '须为正整数'
    else segment.min_paid_orders = Number(orders)
  }
  const spent = form.minSpentYuan.trim()
  const days = form.spentDays.trim()
  if (spent || days) {
    let fen: number | null = null
    try {
      fen = spent ? yuanToFen(spent) : null
    } catch {
      fen = null
    }
    if (fen === null || fen < 1) errors.minSpentYuan = '请填写消费金额（元）'
    else segment.min_spent = fen
    if (!/^\d+$/.test(days) || Number(days) < 1 || Number(days) > 3650) errors.spentDays = '天数须为 1–3650'
    else segment.spent_days = Number(days)
  }
  const needsOrder = Boolean(orders || spent || form.lastOrderBefore.trim())
  if (form.paid === 'no' && needsOrder) errors.paid = '“无已付款订单”不能与订单条件同时使用'
  return Object.keys(errors).length ? { segment: null, errors } : { segment, errors }
}

/** 0..100 for a progress bar; a finished job is 100 whatever its counts. */
export function jobPercent(job: Pick<CouponJob, 'status' | 'progress' | 'total'>): number {
  if (job.status === 'done') return 100
  if (!job.total) return 0
  return Math.min(99, Math.floor((job.progress / job.total) * 100))
}

/** Whether to keep polling a job. */
export function jobOpen(job: Pick<CouponJob, 'status'>): boolean {
  return job.status === 'queued' || job.status === 'running'
}
