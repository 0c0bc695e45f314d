// Recently viewed products and this device's visitor id, for the session model (看了又看):
// a product page reports its view (fire-and-forget, like click reports: measurement the
// shopper never waits for), and the shelves send the last views, most recent first, so the
// server scores what follows them with no lookup of its own.
import { api } from '../api'
import { randomId } from './ids'
import { load, save } from './storage'

const VISITOR_KEY = 'shoplet.visitor'
const RECENT_KEY = 'shoplet.recent'
export const MAX_RECENT = 10

/** This device's random visitor id (kept in storage; no personal data). */
export function visitorId() {
  let id = load(VISITOR_KEY, '')
  if (typeof id !== 'string' || !/^[A-Za-z0-9_-]{16,64}$/.test(id)) {
    id = randomId('v')
    save(VISITOR_KEY, id)
  }
  return id
}

/** The products viewed last, most recent first, never `except`. */
export function recentProducts(except = null) {
  const list = load(RECENT_KEY, [])
  const ids = Array.isArray(list) ? list.filter((x) => Number.isInteger(x) && x > 0) : []
  return ids.filter((x) => x !== Number(except)).slice(0, MAX_RECENT)
}

/** A product page opened: remember it first in the recent list and report the view. */
export function noteView(productId) {
  const id = Number(productId)
  if (!Number.isInteger(id) || id <= 0) return
  save(RECENT_KEY, [id, ...recentProducts(id)].slice(0, MAX_RECENT))
  Promise.resolve(api.recommend.view({ product_id: id, visitor: visitorId() })).catch(() => {})
}
