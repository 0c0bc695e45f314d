import { defineStore } from 'pinia'
import { api } from '../api'
import { randomId } from '../utils/ids'
import { load, remove, save } from '../utils/storage'

const GUEST_KEY = 'shoplet.cartToken'

export const useCartStore = defineStore('cart', {
  state: () => ({
    lines: [],
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
      return cart
    },
    async load() {
      return this.apply(await api.cart.get())
    },
    async add(skuId, quantity = 1) {
      this.ensureGuestToken()
      const cart = await api.cart.add(skuId, quantity)
      cart && cart.lines ? this.apply(cart) : await this.load()
      this.addedTick += 1
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
      const cart = await api.cart.remove(skuId)
      cart && cart.lines ? this.apply(cart) : await this.load()
    },
    /** After login: fold the guest cart into the member's, then forget the guest token. */
    async mergeGuest() {
      if (!this.guestToken) return
      const token = this.guestToken
      try {
        const cart = await api.cart.merge(token)
        if (cart && cart.lines) this.apply(cart)
      } finally {
        this.guestToken = ''
        remove(GUEST_KEY)
      }
    },
    reset() {
      this.lines = []
      this.summary = { selected_count: 0, items_total: 0 }
      this.loaded = false
    },
  },
})
