import { defineStore } from 'pinia'
import { api } from '../api'

export const useCatalogStore = defineStore('catalog', {
  state: () => ({ categories: [], loaded: false, products: {} }),
  getters: {
    topCategories: (s) => s.categories,
  },
  actions: {
    async loadCategories(force = false) {
      if (this.loaded && !force) return this.categories
      const res = await api.catalog.categories()
      this.categories = Array.isArray(res) ? res : res.items || []
      this.loaded = true
      return this.categories
    },
    async loadProduct(id) {
      const product = await api.catalog.product(id)
      this.products[id] = product
      return product
    },
  },
})
