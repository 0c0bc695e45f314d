// Tab-bar badges: the cart's item count on 购物车 and the unpaid orders on 我的. uni.setTabBarBadge
// is wx.setTabBarBadge in the mini program and the H5 tab bar's own badge; where there is no tab
// bar (unit tests, a page opened on its own) the calls fail quietly.

export const TAB = { home: 0, category: 1, cart: 2, me: 3 }

/**
 * The badge text for a count: '' (no badge) for none, '99+' past 99 or when there are more than
 * were counted (`more`).
 * @param {number} count
 * @param {boolean} [more]
 */
export function badgeText(count, more = false) {
  const n = Math.max(0, Math.floor(Number(count) || 0))
  if (n > 99) return '99+'
  if (more) return `${n}+`
  return n ? String(n) : ''
}

/**
 * Show `count` on tab `index`, or remove the badge when there is nothing to show.
 * @param {number} index
 * @param {number} count
 * @param {boolean} [more]
 */
export function setTabBadge(index, count, more = false) {
  try {
    if (typeof uni === 'undefined' || !uni.setTabBarBadge) return
    const noop = () => {}
    const text = badgeText(count, more)
    if (text) uni.setTabBarBadge({ index, text, fail: noop })
    else uni.removeTabBarBadge({ index, fail: noop })
  } catch {
    // no tab bar on this page
  }
}
