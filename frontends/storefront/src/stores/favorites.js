import { defineStore } from 'pinia'
import { api } from '../api'

function productIdOf(item) {
  return String(item.product_id ?? (item.product && item.product.id) ?? item.id)
}

export const useFavoritesStore = defineStore('favorites', {
  // `taps` counts the shopper's toggles: an answer to a question asked before the latest tap is
  // older than what the heart shows and must not undo it (a slow 是否收藏 answering after the
  // shopper has already filled the heart).
  state: () => ({ ids: [], loaded: false, taps: 0 }),
  getters: {
    has: (s) => (productId) => s.ids.includes(String(productId)),
  },
  actions: {
    /** The first page of favourites (the backend pages by 20 at most). */
    async load() {
      const asked = this.taps
      const page = await api.favorites.list({ limit: 20 })
      if (asked !== this.taps) return
      this.ids = (page.items || []).map(productIdOf)
      this.loaded = true
    },
    /** Whether this product is a favourite, asked of the backend (the product page). */
    async check(productId) {
      const id = String(productId)
      const asked = this.taps
      const state = await api.favorites.state(productId)
      if (asked !== this.taps) return this.has(productId)
      const others = this.ids.filter((x) => x !== id)
      this.ids = state && state.favorited ? [...others, id] : others
      return this.has(productId)
    },
    /** Optimistic: the heart fills at once and reverts if the backend refuses. */
    async toggle(productId) {
      const id = String(productId)
      const on = !this.ids.includes(id)
      this.taps += 1
      this.ids = on ? [...this.ids, id] : this.ids.filter((x) => x !== id)
      try {
        on ? await api.favorites.add(productId) : await api.favorites.remove(productId)
      } catch (err) {
        this.ids = on ? this.ids.filter((x) => x !== id) : [...this.ids, id]
        throw err
      }
      return on
    },
    reset() {
      this.ids = []
      this.loaded = false
      this.taps = 0
    },
  },
})
