// Persistent key-value storage (wx storage in the mini program, localStorage in H5), JSON values.
export function load(key, fallback) {
  try {
    const raw = uni.getStorageSync(key)
    if (raw === '' || raw === undefined || raw === null) return fallback
    return typeof raw === 'string' ? JSON.parse(raw) : raw
  } catch {
    return fallback
  }
}

export function save(key, value) {
  try {
    uni.setStorageSync(key, JSON.stringify(value))
  } catch {
    // Storage full or unavailable (private mode): the app keeps working without persistence.
  }
}

export function remove(key) {
  try {
    uni.removeStorageSync(key)
  } catch {
    // nothing stored
  }
}
