import { AFTERSALE_STATUS_LABELS, ORDER_STATUS_LABELS } from '@shoplet/shared'
import { defineStore } from 'pinia'
import { api } from '../api'

/** The order list's tabs: every status a shopper filters by, labelled from the shared glossary. */
export const ORDER_STATUSES = [
  { value: '', label: '全部' },
  ...['pending_payment', 'paid', 'shipped', 'completed', 'after_sale'].map((value) => ({
    value,
    label: ORDER_STATUS_LABELS[value],
  })),
]

/**
 * An order status (also a timeline entry's) in the glossary's words.
 * @param {string | null | undefined} status
 */
export function statusText(status) {
  return status ? ORDER_STATUS_LABELS[status] || status : ''
}

/**
 * An after-sale request's status in the glossary's words.
 * @param {string | null | undefined} status
 */
export function aftersaleStatusText(status) {
  return status ? AFTERSALE_STATUS_LABELS[status] || status : ''
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
    /**
     * Poll until the order leaves pending_payment (the payment notify is asynchronous).
     * @param {string} orderNo
     * @param {{ attempts?: number, intervalMs?: number, sleep?: (ms: number) => Promise<unknown> }} [options]
     */
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
