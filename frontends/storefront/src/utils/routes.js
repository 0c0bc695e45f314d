// Where the pages live (src/pages.json). The tab pages and what a shopper opens from them first
// (search, product detail, login) are in the main package under pages/; the secondary pages are
// in subpackages that WeChat downloads on first visit: pkg-trade (checkout, pay, orders,
// after-sales), pkg-user (addresses, favourites, settings, legal texts) and pkg-flash.
//
// Before the subpackages every page was under pages/. Addresses from then (a bookmark of the H5
// shop, a login redirect, a shared or notified mini program path) are mapped to where the page
// is now, by the folder it was in: /pages/orders/index → /pkg-trade/orders/index.

/** Page folders that moved out of pages/, and the subpackage root each moved to. */
export const MOVED_FOLDERS = Object.freeze({
  checkout: 'pkg-trade',
  pay: 'pkg-trade',
  orders: 'pkg-trade',
  aftersale: 'pkg-trade',
  address: 'pkg-user',
  favorites: 'pkg-user',
  settings: 'pkg-user',
  legal: 'pkg-user',
  flash: 'pkg-flash',
})

/** Folders born in a subpackage after the split: no old address to rewrite. */
export const NEW_FOLDERS = Object.freeze({
  support: 'pkg-user',
  coupons: 'pkg-user',
  points: 'pkg-user',
  member: 'pkg-user',
  review: 'pkg-trade',
  showroom: 'pkg-trade',
  code: 'pkg-social',
  stores: 'pkg-trade',
  group: 'pkg-social',
  crowdfunding: 'pkg-social',
  centre: 'pkg-dist',
  bargain: 'pkg-social',
  share: 'pkg-social',
  phone: 'pkg-user',
  invoice: 'pkg-user',
  qa: 'pkg-trade',
  posts: 'pkg-social',
  content: 'pkg-user',
  live: 'pkg-live',
  achievements: 'pkg-user',
})

const OLD_PAGE = /^(\/?)pages\/([a-z0-9_-]+)(\/[a-z0-9_-]+(?:[?#].*)?)$/i

/**
 * The page address as it is now: a path from before the subpackages gets its new folder (query
 * kept), anything else comes back unchanged. Works with or without the leading slash.
 * @param {string} url e.g. `/pages/orders/index?status=paid`
 */
export function currentPath(url) {
  const match = OLD_PAGE.exec(String(url || ''))
  if (!match || !Object.prototype.hasOwnProperty.call(MOVED_FOLDERS, match[2])) return String(url || '')
  const [, slash, folder, rest] = match
  return `${slash}${MOVED_FOLDERS[/** @type {keyof typeof MOVED_FOLDERS} */ (folder)]}/${folder}${rest}`
}

/**
 * H5: where an old address should go instead, or '' when the address is current. Covers the
 * history-mode path (`/pages/orders/index?status=paid`) and the hash form of older bookmarks
 * (`/#/pages/orders/index?status=paid`); the shop's router runs in history mode.
 * @param {{ pathname: string, search: string, hash: string }} location
 */
export function legacyRedirect({ pathname, search, hash }) {
  if (hash && /^#\/(pages|pkg-[a-z]+)\//.test(hash) && (pathname === '/' || pathname === '')) {
    return currentPath(hash.slice(1))
  }
  const moved = currentPath(pathname)
  return moved === pathname ? '' : `${moved}${search || ''}${hash || ''}`
}
