/** Times are stored in UTC and shown in Asia/Shanghai. */

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

export const ORDER_STATUS_LABELS: Record<string, string> = {
  pending_payment: '待付款',
  paid: '待发货',
  shipped: '已发货',
  received: '已收货',
  completed: '已完成',
  cancelled: '已取消',
  refunded: '已退款',
  after_sale: '售后中',
}

export const PRODUCT_STATUS_LABELS: Record<string, string> = {
  draft: '草稿',
  on_sale: '在售',
  off_sale: '已下架',
}

export const AFTERSALE_STATUS_LABELS: Record<string, string> = {
  requested: '待处理',
  approved: '已同意',
  awaiting_return: '待买家退货',
  returned: '已收到退货',
  refunding: '退款中',
  refunded: '已退款',
  rejected: '已拒绝',
  cancelled: '已撤销',
}

export const AFTERSALE_KIND_LABELS: Record<string, string> = {
  refund_only: '仅退款',
  return_refund: '退货退款',
}

export const PAYMENT_CHANNEL_LABELS: Record<string, string> = {
  wechat_jsapi: '微信小程序支付',
  wechat_h5: '微信 H5 支付',
}

export const PAYMENT_STATUS_LABELS: Record<string, string> = {
  created: '待支付',
  prepaid: '待支付',
  succeeded: '支付成功',
  closed: '已关闭',
  failed: '支付失败',
}

export const REFUND_STATUS_LABELS: Record<string, string> = {
  requested: '待提交',
  processing: '退款处理中',
  succeeded: '退款成功',
  failed: '退款失败',
}

export const ROLE_LABELS: Record<string, string> = {
  owner: '店主',
  operator: '运营',
  support: '客服',
}

export const LEDGER_KIND_LABELS: Record<string, string> = {
  initial: '初始库存',
  adjust: '人工调整',
  reserve: '下单占用',
  release: '释放占用',
  commit: '发货扣减',
  restock: '退货入库',
}

export function label(map: Record<string, string>, key: string | null | undefined): string {
  if (!key) return '—'
  return map[key] ?? key
}
