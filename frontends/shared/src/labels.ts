/**
 * The glossary: one Chinese label per status code, shown the same way in the shop, the mini
 * program and the console. Codes the map does not know are shown as they are.
 */

export type Labels = Readonly<Record<string, string>>

export const ORDER_STATUS_LABELS: Labels = {
  pending_payment: '待付款',
  paid: '待发货',
  shipped: '待收货',
  received: '待评价',
  completed: '已完成',
  cancelled: '已取消',
  refunded: '已退款',
  after_sale: '退款/售后',
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

/**
 * Money phrases: every amount row in the shop, the mini program and the console uses these
 * words, so 实付 never turns into 应付 on one screen and 实付款 on another.
 */
export const MONEY_LABELS = {
  itemsTotal: '商品金额',
  total: '合计',
  payable: '实付',
  discount: '优惠',
  shipping: '运费',
  freeShipping: '包邮',
  refunded: '已退款',
  refunding: '退款中',
  refundAmount: '退款金额',
} as const

/** Every status glossary, for checks that no screen spells a status by hand. */
export const STATUS_GLOSSARIES: Readonly<Record<string, Labels>> = {
  order: ORDER_STATUS_LABELS,
  aftersale: AFTERSALE_STATUS_LABELS,
  aftersaleKind: AFTERSALE_KIND_LABELS,
  payment: PAYMENT_STATUS_LABELS,
  refund: REFUND_STATUS_LABELS,
}

/** The label of `key` in `map`: "—" when there is no key, the key itself when it is unknown. */
export function label(map: Labels, key: string | null | undefined): string {
  if (!key) return '—'
  return map[key] ?? key
}
