import { defineStore } from 'pinia'
import { api } from '../api'

export const ORDER_STATUSES = [
  { value: '', label: '全部' },
  { value: 'pending_payment', label: '待付款' },
  { value: 'paid', label: '待发货' },
  { value: 'shipped', label: '待收货' },
  { value: 'completed', label: '已完成' },
  { value: 'after_sale', label: '售后' },
]

const STATUS_TEXT = {
  pending_payment: '待付款',
  paid: '已付款',
  shipped: '已发货',
  received: '已收货',
  completed: '已完成',
  cancelled: '已取消',
  refunded: '已退款',
  after_sale: '售后中',
  requested: '售后申请中',
  approved: '售后已同意',
  awaiting_return: '待寄回',
  returned: '已寄回',
  refunding: '退款中',
  rejected: '售后被拒绝',
}

export function statusText(status) {
  return STATUS_TEXT[status] || status || ''
}

/** Which buttons an order in `status` offers the shopper. */
export function orderActions(status) {
  return {
    pay: status === 'pending_payment',
    cancel: status === 'pending_payment',
    confirm: status === 'shipped',
    aftersale: ['paid', 'shipped', 'received', 'completed'].includes(status),
  }
}

export const useOrdersStore = defineStore('orders', {
  state: () => ({ current: null }),
  actions: {
    async load(orderNo) {
      this.current = await api.orders.get(orderNo)
      return this.current
    },
    async cancel(orderNo, reason) {
      await api.orders.cancel(orderNo, reason)
      return this.load(orderNo)
    },
    async confirmReceipt(orderNo) {
      await api.orders.confirmReceipt(orderNo)
      return this.load(orderNo)
    },
    async requestAftersale(orderNo, body) {
      return api.orders.requestAftersale(orderNo, body)
    },
    /** Poll until the order leaves pending_payment (the payment notify is asynchronous). */
    async waitUntilPaid(orderNo, { attempts = 30, intervalMs = 1000, sleep } = {}) {
      const wait = sleep || ((ms) => new Promise((r) => setTimeout(r, ms)))
      for (let i = 0; i < attempts; i++) {
        const order = await this.load(orderNo)
        if (order.status !== 'pending_payment') return order
        await wait(intervalMs)
      }
      return this.current
    },
  },
})
