import { defineStore } from 'pinia'
import { api } from '../api'

/** Fen a plan's discount (per mille) takes off a price: half up, as the backend rounds. */
export function planSaving(priceFen, discountPermille) {
  if (!priceFen || discountPermille >= 1000) return 0
  return priceFen - Math.min(priceFen, Math.floor((priceFen * discountPermille + 500) / 1000))
}

/** Is ``product`` ({ id, category_id }) among the goods the member price skips? */
export function isExcluded(product, exclusions) {
  if (!product || !exclusions) return false
  return exclusions.product_ids.includes(product.id) || exclusions.category_ids.includes(product.category_id)
}

// Paid membership for the "开通SVIP省¥xx" hint: the best discount on sale (public), the goods
// the member price skips (public) and whether the shopper is SVIP already (signed in). Loaded
// once per session; a failure hides the hint.
export const useSvipStore = defineStore('svip', {
  state: () => ({ bestDiscount: 1000, isActive: false, loaded: false, exclusions: null }),
  getters: {
    savingOn: (s) => (priceFen, product) =>
      s.isActive || isExcluded(product, s.exclusions) ? 0 : planSaving(priceFen, s.bestDiscount),
  },
  actions: {
    async load(loggedIn) {
      if (this.loaded) return
      try {
        const [plans, exclusions] = await Promise.all([
          api.membership.plans(),
          api.membership.priceExclusions(),
        ])
        this.exclusions = exclusions
        this.bestDiscount = Math.min(1000, ...plans.map((p) => p.benefits.discount_permille))
        this.isActive = loggedIn ? Boolean((await api.membership.svip()).is_active) : false
        this.loaded = true
      } catch {
        this.bestDiscount = 1000
      }
    },
    /** After a purchase or a sign-in: ask again next time. */
    reset() {
      this.loaded = false
    },
  },
})
