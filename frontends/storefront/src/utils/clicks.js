// Click-through reports: each search page and recommendation shelf carries an impression id
// (search_id / rec_id); a tap on one of its products reports the id, the product and its
// position on that page, fire-and-forget. A report never delays or blocks the navigation and
// its failure is never shown: it is measurement, not a feature the shopper depends on.
import { api } from '../api'

const KEY = '_impression'

/**
 * Remember on each item of a response which impression showed it and where.
 * @param {{ items?: any[] } | null | undefined} page a search page or a shelf
 * @param {string | null | undefined} id its search_id or rec_id
 */
export function markImpression(page, id) {
  if (!page || !id || !Array.isArray(page.items)) return page
  page.items.forEach((item, position) => {
    if (item && typeof item === 'object') item[KEY] = { id, position }
  })
  return page
}

/**
 * Report a tap on a product shown by a search page ('search') or a shelf ('recommend').
 * @param {'search' | 'recommend'} kind
 * @param {any} item
 */
export function reportClick(kind, item) {
  const seen = item && item[KEY]
  if (!seen) return
  const sent =
    kind === 'search'
      ? api.search.click({ search_id: seen.id, product_id: item.id, position: seen.position })
      : api.recommend.click({ rec_id: seen.id, product_id: item.id, position: seen.position })
  Promise.resolve(sent).catch(() => {})
}
