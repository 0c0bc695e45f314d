/**
 * Times are stored in UTC and shown in Asia/Shanghai. Money, status labels and error messages are
 * the shared glossary (`@shoplet/shared`); the labels here exist only in the console.
 */
import type { Labels } from '@shoplet/shared'

export {
  AFTERSALE_KIND_LABELS,
  AFTERSALE_STATUS_LABELS,
  AFTERSALE_STATUS_TONES,
  BULK_ACTION_LABELS,
  BULK_JOB_STATUS_LABELS,
  label,
  ORDER_STATUS_LABELS,
  ORDER_STATUS_TONES,
  orderStatusKey,
  PAYMENT_CHANNEL_LABELS,
  PAYMENT_STATUS_LABELS,
  PAYMENT_STATUS_TONES,
  PRODUCT_STATUS_LABELS,
  REFUND_STATUS_LABELS,
  REFUND_STATUS_TONES,
  tone,
} from '@shoplet/shared'

const DATE_TIME = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
})

/** "2026-11-26T02:03:04Z" -> "2026-11-26 10:03:04" (Beijing time). */
export function formatTime(value: string | null | undefined): string {
  if (!value) return '—'
  const date = new Date(value)
  if (Number.isNaN(date.getTime())) return value
  const parts = Object.fromEntries(DATE_TIME.formatToParts(date).map((p) => [p.type, p.value]))
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`
}

export const ROLE_LABELS: Labels = {
  owner: '店主',
  operator: '运营',
  support: '客服',
}

export const LEDGER_KIND_LABELS: Labels = {
  initial: '初始库存',
  adjust: '人工调整',
  reserve: '下单占用',
  release: '释放占用',
  commit: '发货扣减',
  restock: '退货入库',
}
