import { defineStore } from 'pinia'
import { api } from '../api'
import { useOrdersStore } from './orders'
import { randomId } from '../utils/ids'

export const useCheckoutStore = defineStore('checkout', {
  state: () => ({
    addressId: null,
    // null: the cart's selected lines; [{sku_id, quantity}] for "buy now".
    items: null,
    remark: '',
    preview: null,
    // One key per purchase attempt: a retried submit (network drop, double tap) reuses it, so the
    // backend returns the first order instead of creating a second one.
    idempotencyKey: '',
    submitting: false,
  }),
  getters: {
    // The amounts: top-level fields of the preview (older drafts nested them in `breakdown`).
    breakdown: (s) => (s.preview && (s.preview.breakdown || s.preview)) || null,
    canPlaceOrder: (s) =>
      Boolean(s.preview && (s.preview.can_place_order ?? (s.preview.lines || []).length > 0)),
    warnings: (s) => (s.preview && s.preview.warnings) || [],
  },
  actions: {
    start({ items = null } = {}) {
      this.items = items
      this.preview = null
      this.remark = ''
      this.idempotencyKey = randomId('ck_')
    },
    setAddress(id) {
      this.addressId = id
    },
    async loadPreview() {
      const body = {}
      if (this.addressId != null) body.address_id = this.addressId
      if (this.items) body.items = this.items
      this.preview = await api.checkout.preview(body)
      return this.preview
    },
    async placeOrder() {
      if (!this.idempotencyKey) this.idempotencyKey = randomId('ck_')
      const body = { address_id: this.addressId }
      if (this.items) body.items = this.items
      if (this.remark.trim()) body.remark = this.remark.trim()
      this.submitting = true
      try {
        const order = await api.checkout.placeOrder(body, this.idempotencyKey)
        this.idempotencyKey = ''
        // A new unpaid order: the 我的 tab badge counts it.
        useOrdersStore().refreshUnpaid().catch(() => {})
        return order
      } finally {
        this.submitting = false
      }
    },
  },
})
