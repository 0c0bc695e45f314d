import { defineStore } from 'pinia'
import { api } from '../api'
import { useOrdersStore } from './orders'
import { randomId } from '../utils/ids'

/** The delivery as the API takes it (the store's name is only for the page). */
function wireDelivery(delivery) {
  const wire = { ...delivery }
  delete wire.store_name
  return wire
}

export const useCheckoutStore = defineStore('checkout', {
  state: () => ({
    addressId: null,
    // null: the cart's selected lines; [{sku_id, quantity}] for "buy now".
    items: null,
    remark: '',
    // The coupon: null lets the backend apply the best usable one; a number picks one; with
    // noCoupon the shopper declined every coupon (不使用优惠券).
    couponId: null,
    noCoupon: false,
    // The points switch: on, the order uses as many points as it may (the preview's usable_max).
    usePoints: false,
    // How it reaches the shopper: null (express), or the store's plan
    // {method: 'pickup', store_id, window_start, store_name} / {method: 'same_city', store_id, lat, lng, store_name}.
    delivery: null,
    // Bought from a play at its price: {kind: 'live', id: <session>} (直播价), else null.
    activity: null,
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
    // The coupon the preview applied ({coupon_id, name, kind, discount, shipping_discount}) or null.
    appliedCoupon: (s) => (s.preview && s.preview.coupon) || null,
    // The picker: usable ones (largest saving first, as the backend sorts them), then the others.
    usableCoupons: (s) => ((s.preview && s.preview.coupons) || []).filter((o) => o.usable),
    unusableCoupons: (s) => ((s.preview && s.preview.coupons) || []).filter((o) => !o.usable),
    // {balance, usable_max, usable_value, used, value} or null.
    pointsQuote: (s) => (s.preview && s.preview.points) || null,
  },
  actions: {
    start({ items = null, activity = null } = {}) {
      this.items = items
      // An activity's price is for the items bought now, never for the cart.
      this.activity = items ? activity : null
      this.preview = null
      this.remark = ''
      this.couponId = null
      this.noCoupon = false
      this.usePoints = false
      this.delivery = null
      this.idempotencyKey = randomId('ck_')
    },
    /** Pick a store (到店自提 / 同城配送) or go back to express (null); a new attempt key. */
    setDelivery(delivery) {
      this.delivery = delivery
      this.idempotencyKey = randomId('ck_')
    },
    setAddress(id) {
      this.addressId = id
    },
    async loadPreview() {
      const body = {}
      if (this.addressId != null) body.address_id = this.addressId
      if (this.items) body.items = this.items
      if (this.activity) body.activity = this.activity
      if (this.delivery) body.delivery = wireDelivery(this.delivery)
      if (this.noCoupon) body.no_coupon = true
      else if (this.couponId != null) body.coupon_id = this.couponId
      const quote = this.preview && this.preview.points
      if (this.usePoints && quote && quote.usable_max > 0) body.points = quote.usable_max
      try {
        this.preview = await api.checkout.preview(body)
      } catch (err) {
        // The points no longer fit (spent elsewhere, a smaller order, the programme off): price
        // without them and leave the switch off.
        if (body.points != null && String(err.code || '').startsWith('loyalty.')) {
          this.usePoints = false
          delete body.points
          this.preview = await api.checkout.preview(body)
          return this.preview
        }
        // The picked coupon no longer applies (used elsewhere, expired, the cart changed): price
        // the order again with the best one instead of failing the page.
        if (body.coupon_id == null || !String(err.code || '').startsWith('promotions.')) throw err
        const rest = { ...body }
        delete rest.coupon_id
        this.couponId = null
        this.preview = await api.checkout.preview(rest)
      }
      // What the backend applied (its best pick, or null when the pick no longer applies).
      if (!this.noCoupon) this.couponId = this.preview.coupon ? this.preview.coupon.coupon_id : null
      return this.preview
    },
    /** Switch points on or off and price the order again (twice when switching on: the first
     * preview says how many the order may use). */
    async togglePoints(on) {
      this.usePoints = Boolean(on)
      if (on && !(this.preview && this.preview.points)) await this.loadPreview()
      return this.loadPreview()
    },
    /** Pick a coupon (id) or none (null) and price the order again. */
    async chooseCoupon(id) {
      this.noCoupon = id == null
      this.couponId = id == null ? null : id
      return this.loadPreview()
    },
    async placeOrder() {
      if (!this.idempotencyKey) this.idempotencyKey = randomId('ck_')
      const body = { address_id: this.addressId }
      if (this.items) body.items = this.items
      if (this.activity) body.activity = this.activity
      if (this.delivery) body.delivery = wireDelivery(this.delivery)
      if (this.remark.trim()) body.remark = this.remark.trim()
      // The coupon the shopper saw applied: the order uses exactly that one, or none.
      const applied = this.preview && this.preview.coupon
      if (!this.noCoupon && applied) body.coupon_id = applied.coupon_id
      // The points the shopper saw used.
      const points = this.preview && this.preview.points
      if (this.usePoints && points && points.used > 0) body.points = points.used
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
