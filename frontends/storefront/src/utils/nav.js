// Navigation in one place: tab pages must be opened with switchTab, others with navigateTo.
export const TAB_PAGES = ['/pages/index/index', '/pages/category/index', '/pages/cart/index', '/pages/me/index']

export function go(url) {
  const path = url.split('?')[0]
  if (TAB_PAGES.includes(path)) return uni.switchTab({ url: path })
  return uni.navigateTo({ url })
}

export function replace(url) {
  return uni.redirectTo({ url })
}

export function back(fallback = '/pages/index/index') {
  if (getCurrentPages().length > 1) return uni.navigateBack()
  return go(fallback)
}

/**
 * @param {string} title
 * @param {'none' | 'success' | 'error' | 'loading'} [icon]
 */
export function toast(title, icon = 'none') {
  uni.showToast({ title, icon, duration: 2000 })
}

/** Send a guest to login and come back here afterwards. */
export function requireLogin(auth, redirect) {
  if (auth.isLoggedIn) return true
  uni.navigateTo({ url: `/pages/login/index?redirect=${encodeURIComponent(redirect || '')}` })
  return false
}

/** Go back to the nearest open page with this route (e.g. checkout after adding an address). */
export function backTo(route, fallback) {
  const pages = getCurrentPages()
  for (let i = pages.length - 2; i >= 0; i--) {
    if (pages[i].route === route.replace(/^\//, '')) return uni.navigateBack({ delta: pages.length - 1 - i })
  }
  return fallback ? uni.redirectTo({ url: fallback }) : back()
}
