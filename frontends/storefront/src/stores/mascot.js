import { defineStore } from 'pinia'
import { api, assetUrl } from '../api'

// The shop's mascot (IP 形象): name, figure, colour and the merchant's message per occasion.
// Loaded once per session (public, cached a minute by HTTP); until it arrives, or when it
// cannot be loaded, the empty states keep their own words and illustrations.
export const useMascotStore = defineStore('mascot', {
  state: () => ({ mascot: null, loading: null }),
  getters: {
    figure: (s) => (s.mascot ? assetUrl(s.mascot.figure_url) : ''),
    name: (s) => (s.mascot ? s.mascot.name : ''),
    message: (s) => (occasion) => (s.mascot && s.mascot.messages[occasion]) || '',
  },
  actions: {
    load() {
      if (this.mascot) return Promise.resolve(this.mascot)
      if (!this.loading) {
        this.loading = api.mascot
          .get()
          .then((m) => (this.mascot = m))
          .catch(() => null)
          .finally(() => (this.loading = null))
      }
      return this.loading
    },
  },
})
