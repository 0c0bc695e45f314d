import { AFTERSALE_STATUS_LABELS, ORDER_STATUS_LABELS, orderStatusKey } from '@shoplet/shared'
import { defineStore } from 'pinia'
import { api } from '../api'
import { setTabBadge, TAB } from '../utils/badges'

/** The order list's tabs: every status a shopper filters by, labelled from the shared glossary. */
export const ORDER_STATUSES = [
  { value: '', label: '全部' },
  ...['pending_payment', 'paid', 'shipped', 'completed', 'after_sale'].map((value) => ({
    value,
    label: ORDER_STATUS_LABELS[value],
  })),
]

/**
 * An order status (also a timeline entry's) in the glossary's words: a paid membership plan
 * (`isVirtual`, nothing to ship) reads 已开通, not 待发货.
 * @param {string | null | undefined} status
 * @param {boolean} [isVirtual]
 */
export function statusText(status, isVirtual = false) {
  if (!status) return ''
  const key = orderStatusKey({ status, is_virtual: isVirtual })
  return ORDER_STATUS_LABELS[key] || status
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

const UNPAID_PAGE = 50

export const useOrdersStore = defineStore('orders', {
  state: () => ({
    current: null,
    // Unpaid orders on the 我的 tab badge: counted from one page of pending_payment orders
    // (`unpaidMore` when there are more than that page).
    unpaid: 0,
    unpaidMore: false,
  }),
  actions: {
    /** Count the shopper's unpaid orders and show them on the 我的 tab. */
    async refreshUnpaid() {
      const page = await api.orders.list({ status: 'pending_payment', limit: UNPAID_PAGE })
      this.unpaid = (page.items || []).length
      this.unpaidMore = Boolean(page.next_cursor)
      this.syncBadge()
      return this.unpaid
    },
    syncBadge() {
      setTabBadge(TAB.me, this.unpaid, this.unpaidMore)
    },
    /** Signed out: no unpaid badge. */
    clearUnpaid() {
      this.unpaid = 0
      this.unpaidMore = false
      this.syncBadge()
    },
    async load(orderNo) {
      this.current = await api.orders.get(orderNo)
      return this.current
    },
    async cancel(orderNo, reason) {
      await api.orders.cancel(orderNo, reason)
      this.refreshUnpaid().catch(() => {})
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
