// 直播价 from the room to checkout, with no import: the product page (main package) reads the
// session from its `live` query without loading the room's code (utils/live.js, pkg-live).

/**
 * Where the room's 购买 leads: the product page, carrying the session (`live`) when the product
 * has a live price and the session is live, so 立即购买 there checks out at the live price.
 */
export function liveBuyUrl(session, item) {
  const url = `/pages/product/detail?id=${item.product_id}`
  return session && session.status === 'live' && item.live_price ? `${url}&live=${session.id}` : url
}

/** The checkout activity of a page's `live` query ({kind: 'live', id}), or null. */
export function liveActivity(live) {
  const id = Number(live)
  return Number.isInteger(id) && id > 0 ? { kind: 'live', id } : null
}
