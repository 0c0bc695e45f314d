import { beforeEach } from 'vitest'

// The storage half of the uni API, backed by a Map the tests can inspect and reset.
const storage = new Map()
globalThis.__storage = storage
globalThis.uni = {
  getStorageSync: (key) => (storage.has(key) ? storage.get(key) : ''),
  setStorageSync: (key, value) => storage.set(key, value),
  removeStorageSync: (key) => storage.delete(key),
}

beforeEach(() => storage.clear())
