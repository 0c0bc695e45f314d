// Navigation in one place: tab pages must be opened with switchTab, others with navigateTo.
import { currentPath } from './routes'

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

export const LOGIN_PAGE = '/pages/login/index'
export const HOME_AFTER_LOGIN = '/pages/me/index'

/**
 * `path` with `query` appended (empty values left out, keys in the given order).
 * @param {string} path
 * @param {Record<string, unknown> | null | undefined} [query]
 */
export function buildUrl(path, query) {
  const parts = []
  for (const [key, value] of Object.entries(query || {})) {
    if (value === undefined || value === null || value === '') continue
    parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`)
  }
  return parts.length ? `${path}?${parts.join('&')}` : path
}

/**
 * The page the shopper is on, with its query: what login comes back to.
 * @param {Array<any>} [pages] getCurrentPages() (a parameter for tests)
 */
export function currentUrl(pages = getCurrentPages()) {
  const page = pages[pages.length - 1]
  if (!page || !page.route) return ''
  const options = page.options || (page.$page && page.$page.options) || {}
  return buildUrl(`/${page.route.replace(/^\//, '')}`, options)
}

/** The login page, told where to come back to. */
export function loginUrl(redirect) {
  return redirect ? `${LOGIN_PAGE}?redirect=${encodeURIComponent(redirect)}` : LOGIN_PAGE
}

/**
 * Where login returns to: an in-app page (never an outside address, never login itself), else
 * 我的. The value may arrive still percent-encoded (H5 keeps the query as typed).
 * @param {unknown} raw
 */
export function safeRedirect(raw) {
  let target = String(raw || '').trim()
  if (target && !target.startsWith('/')) {
    try {
      target = decodeURIComponent(target)
    } catch {
      return HOME_AFTER_LOGIN
    }
  }
  // A page of the main package (pages/) or of a subpackage (pkg-*/); an address from before
  // the subpackages goes to where that page is now.
  target = currentPath(target)
  if (!/^\/(pages|pkg-[a-z]+)\/[a-z0-9_-]+\/[a-z0-9_-]+(\?.*)?$/i.test(target)) return HOME_AFTER_LOGIN
  if (target.split('?')[0] === LOGIN_PAGE) return HOME_AFTER_LOGIN
  return target
}

/**
 * How to get back after login: tab pages by switchTab (which takes no query), other pages by
 * redirectTo so the login page leaves the history.
 * @param {string} target a value of {@link safeRedirect}
 * @returns {{ method: 'switchTab' | 'redirectTo', url: string }}
 */
export function returnRoute(target) {
  const path = target.split('?')[0]
  return TAB_PAGES.includes(path) ? { method: 'switchTab', url: path } : { method: 'redirectTo', url: target }
}

/**
 * Where a mini program path that is no page goes: a path from before the subpackages to that
 * page where it is now (query kept), anything else to the home tab.
 * @param {{ path?: string, query?: Record<string, unknown> }} missing WeChat's onPageNotFound argument
 * @returns {{ method: 'switchTab' | 'redirectTo', url: string }}
 */
export function notFoundRoute({ path, query }) {
  const url = buildUrl(`/${String(path || '').replace(/^\//, '')}`, query)
  const moved = currentPath(url)
  return moved === url ? { method: 'switchTab', url: TAB_PAGES[0] } : { method: 'redirectTo', url: moved }
}

/** Leave login for where the shopper was. */
export function returnAfterLogin(raw) {
  const { method, url } = returnRoute(safeRedirect(raw))
  return method === 'switchTab' ? uni.switchTab({ url }) : uni.redirectTo({ url })
}

/**
 * Send a guest to login and come back afterwards: to `redirect`, else to this very page with
 * its query (checkout stays checkout, a product stays that product).
 */
export function requireLogin(auth, redirect) {
  if (auth.isLoggedIn) return true
  uni.navigateTo({ url: loginUrl(redirect || currentUrl()) })
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
