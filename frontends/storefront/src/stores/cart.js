import { defineStore } from 'pinia'
import { api } from '../api'
import { announce, cartAddedText } from '../utils/announce'
import { setTabBadge, TAB } from '../utils/badges'
import { randomId } from '../utils/ids'
import { load, remove, save } from '../utils/storage'
import { track } from '../utils/tracking'

const GUEST_KEY = 'shoplet.cartToken'

/** The number on the cart tab (utils/badges.js). */
function syncTabBadge(count) {
  setTabBadge(TAB.cart, count)
}

export const useCartStore = defineStore('cart', {
  state: () => ({
    lines: [],
    /** @type {{ selected_count: number, items_total: number, selected_quantity?: number, has_issues?: boolean }} */
    summary: { selected_count: 0, items_total: 0 },
    guestToken: '',
    loaded: false,
    busy: false,
    // Bumped after every successful add: the product page animates the cart icon on change.
    addedTick: 0,
  }),
  getters: {
    count: (s) => s.lines.reduce((n, l) => n + l.quantity, 0),
    allSelected: (s) => s.lines.length > 0 && s.lines.filter((l) => l.is_purchasable !== false).every((l) => l.selected),
    changedLines: (s) => s.lines.filter((l) => l.price_changed),
    selectedLines: (s) => s.lines.filter((l) => l.selected),
  },
  actions: {
    restore() {
      this.guestToken = load(GUEST_KEY, '')
    },
    /** Guests are identified by a random token the backend keys their cart on. */
    ensureGuestToken() {
      if (!this.guestToken) {
        this.guestToken = randomId('g_')
        save(GUEST_KEY, this.guestToken)
      }
      return this.guestToken
    },
    apply(cart) {
      this.lines = cart.lines || []
      this.summary = cart.summary || { selected_count: 0, items_total: 0 }
      this.loaded = true
      syncTabBadge(this.count)
      return cart
    },
    async load() {
      return this.apply(await api.cart.get())
    },
    /**
     * Add a SKU (from a live room at its 直播价 with `source` {kind: 'live', id}; members only);
     * resolves with `{ capped }` (the line hit the 99-unit limit).
     */
    async add(skuId, quantity = 1, source = null) {
      if (!this.hasOwner()) this.ensureGuestToken()
      const added = await api.cart.add(skuId, quantity, source)
      track('add_to_cart', { properties: { sku_id: skuId, quantity } })
      await this.load()
      this.addedTick += 1
      announce(cartAddedText(this.count))
      return { capped: Boolean(added && added.quantity_capped) }
    },
    async setQuantity(skuId, quantity) {
      this.apply(await api.cart.update(skuId, { quantity }))
    },
    async toggle(skuId, selected) {
      this.apply(await api.cart.update(skuId, { selected }))
    },
    async selectAll(selected) {
      this.apply(await api.cart.selectAll(selected))
    },
    async remove(skuId) {
      this.apply(await api.cart.remove(skuId))
    },
    /** After login: fold the guest cart into the member's, then forget the guest token. */
    async mergeGuest() {
      if (!this.guestToken) return
      const token = this.guestToken
      try {
        const res = await api.cart.merge(token)
        if (res && res.cart) this.apply(res.cart)
      } finally {
        this.guestToken = ''
        remove(GUEST_KEY)
      }
    },
    /** Show the cart count on the tab again (a tab page's onShow: the badge is per tab bar). */
    syncBadge() {
      syncTabBadge(this.count)
    },
    reset() {
      this.lines = []
      this.summary = { selected_count: 0, items_total: 0 }
      this.loaded = false
      syncTabBadge(0)
    },
    /**
     * Set by stores/index.js: whether a member is logged in (then no guest token is needed).
     * @returns {boolean}
     */
    hasOwner() {
      return false
    },
  },
})
