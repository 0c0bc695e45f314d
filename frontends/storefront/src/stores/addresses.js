import { defineStore } from 'pinia'
import { api } from '../api'

export const useAddressStore = defineStore('addresses', {
  state: () => ({ items: [], loaded: false }),
  getters: {
    defaultAddress: (s) => s.items.find((a) => a.is_default) || s.items[0] || null,
    byId: (s) => (id) => s.items.find((a) => String(a.id) === String(id)) || null,
  },
  actions: {
    async load() {
      const res = await api.addresses.list()
      this.items = Array.isArray(res) ? res : res.items || []
      this.loaded = true
      return this.items
    },
    async create(address) {
      const created = await api.addresses.create(address)
      await this.load()
      return created
    },
    async update(id, patch) {
      const updated = await api.addresses.update(id, patch)
      await this.load()
      return updated
    },
    async remove(id) {
      await api.addresses.remove(id)
      this.items = this.items.filter((a) => String(a.id) !== String(id))
    },
    reset() {
      this.items = []
      this.loaded = false
    },
  },
})
