/**
 * The glossary: one Chinese label per status code, shown the same way in the shop, the mini
 * program and the console. Codes the map does not know are shown as they are.
 */

export type Labels = Readonly<Record<string, string>>

export const ORDER_STATUS_LABELS: Labels = {
  pending_payment: '待付款',
  paid: '待发货',
  shipped: '已发货',
  received: '已收货',
  completed: '已完成',
  cancelled: '已取消',
  refunded: '已退款',
  after_sale: '售后中',
}

export const AFTERSALE_STATUS_LABELS: Labels = {
  requested: '待处理',
  approved: '已同意',
  awaiting_return: '待买家退货',
  returned: '已收到退货',
  refunding: '退款中',
  refunded: '已退款',
  rejected: '已拒绝',
  cancelled: '已撤销',
}

export const AFTERSALE_KIND_LABELS: Labels = {
  refund_only: '仅退款',
  return_refund: '退货退款',
}

export const PAYMENT_STATUS_LABELS: Labels = {
  created: '待支付',
  prepaid: '待支付',
  succeeded: '支付成功',
  closed: '已关闭',
  failed: '支付失败',
}

export const PAYMENT_CHANNEL_LABELS: Labels = {
  wechat_jsapi: '微信小程序支付',
  wechat_h5: '微信 H5 支付',
}

export const REFUND_STATUS_LABELS: Labels = {
  requested: '待提交',
  processing: '退款处理中',
  succeeded: '退款成功',
  failed: '退款失败',
}

export const PRODUCT_STATUS_LABELS: Labels = {
  draft: '草稿',
  on_sale: '在售',
  off_sale: '已下架',
}

export const BULK_JOB_STATUS_LABELS: Labels = {
  queued: '排队中',
  running: '处理中',
  done: '已完成',
  failed: '失败',
}

export const BULK_ACTION_LABELS: Labels = {
  publish: '批量上架',
  unpublish: '批量下架',
  price: '批量改价',
  stock: '导入库存',
}

/** The label of `key` in `map`: "—" when there is no key, the key itself when it is unknown. */
export function label(map: Labels, key: string | null | undefined): string {
  if (!key) return '—'
  return map[key] ?? key
}
