// Pure helpers of the search page: the API query from the page's state, the facet chips, and the
// suggestion list (the shopper's own history first, then the server's completions).
import { yuan } from '@shoplet/shared'

/**
 * @typedef {{ category_id: number | null, brand: string | null, price_min: number | null,
 *   price_max: number | null, in_stock: boolean, flash_sale: boolean }} SearchFilters
 */

/** @returns {SearchFilters} */
export function noFilters() {
  return { category_id: null, brand: null, price_min: null, price_max: null, in_stock: false, flash_sale: false }
}

/** The page's sort names → the search API's. */
const SORT = { default: 'relevance', sales: 'sales', price_asc: 'price_asc', price_desc: 'price_desc', newest: 'new' }

/**
 * Query of GET /api/v1/search: only what is set (false switches and empty values are left out).
 * @param {string} q
 * @param {SearchFilters} f
 * @param {string} sort the page's sort name
 */
export function searchQuery(q, f, sort) {
  /** @type {Record<string, string | number | boolean>} */
  const out = { q, sort: /** @type {Record<string, string>} */ (SORT)[sort] || 'relevance' }
  if (f.category_id) out.category_id = f.category_id
  if (f.brand) out.brand = f.brand
  if (f.price_min != null) out.price_min = f.price_min
  if (f.price_max != null) out.price_max = f.price_max
  if (f.in_stock) out.in_stock = true
  if (f.flash_sale) out.flash_sale = true
  return out
}

/** The ranking presets of GET /api/v1/search (`ranking`), the arms of the A/B test in the
 * experiments slot `search_ranking` (docs/search.md). */
export const RANKINGS = ['default', 'semantic', 'popular', 'lexical']

/**
 * The shopper's arm of the search-ranking A/B test from their assignments, or null: no test,
 * held out (ranked as the control, nothing logged) or an arm this app does not know.
 * @param {any} assignments the answer of POST /experiments/assign (or null)
 */
export function rankingArm(assignments) {
  const arm = assignments && assignments.variants ? assignments.variants.search_ranking : null
  return arm && !arm.is_holdout && RANKINGS.includes(arm.variant) ? arm : null
}

/** Yuan for a price band: whole yuan without decimals (¥100), else as money (¥99.50). */
function bandYuan(fen) {
  return fen % 100 === 0 ? String(fen / 100) : yuan(fen)
}

/** "¥100以下", "¥100–500", "¥500以上" for a price facet (fen, max exclusive or null). */
export function priceRangeText(min, max) {
  if (max == null) return `¥${bandYuan(min)}以上`
  if (!min) return `¥${bandYuan(max)}以下`
  return `¥${bandYuan(min)}–${bandYuan(max)}`
}

const MAX_CHIPS = 8

/**
 * The facet groups shown as chips. A chosen chip stays (so it can be tapped off) even when the
 * narrowed result no longer lists alternatives.
 * @param {any} facets `facets` of the first search page, or null
 * @param {SearchFilters} f the filters in force
 * @param {Record<string, string>} categoryNames id → name
 */
export function facetGroups(facets, f, categoryNames = {}) {
  if (!facets) return []
  const groups = []
  const toggles = []
  if (facets.in_stock > 0 || f.in_stock) {
    toggles.push({ key: 'in_stock', text: '仅看有货', count: facets.in_stock || 0, on: f.in_stock, patch: { in_stock: !f.in_stock } })
  }
  if (facets.flash_sale > 0 || f.flash_sale) {
    toggles.push({ key: 'flash', text: '秒杀中', count: facets.flash_sale || 0, on: f.flash_sale, patch: { flash_sale: !f.flash_sale } })
  }
  if (toggles.length) groups.push({ key: 'toggles', label: '服务', options: toggles })

  const cats = (facets.categories || [])
    .filter((/** @type {any} */ c) => categoryNames[c.id])
    .slice(0, MAX_CHIPS)
    .map((/** @type {any} */ c) => ({
      key: `c${c.id}`,
      text: categoryNames[c.id],
      count: c.count,
      on: f.category_id === c.id,
      patch: { category_id: f.category_id === c.id ? null : c.id },
    }))
  if (cats.length > 1 || f.category_id) groups.push({ key: 'category', label: '分类', options: cats })

  const brands = (facets.brands || []).slice(0, MAX_CHIPS).map((/** @type {any} */ b) => ({
    key: `b${b.name}`,
    text: b.name,
    count: b.count,
    on: (f.brand || '').toLowerCase() === String(b.name).toLowerCase(),
    patch: { brand: (f.brand || '').toLowerCase() === String(b.name).toLowerCase() ? null : b.name },
  }))
  if (brands.length > 1 || f.brand) groups.push({ key: 'brand', label: '品牌', options: brands })

  const prices = (facets.price_ranges || [])
    .filter((/** @type {any} */ p) => p.count > 0)
    .map((/** @type {any} */ p) => {
      // A band's max is exclusive; the search filter's price_max is inclusive (a ¥100 item is
      // in ¥100–500, not in ¥50–100).
      const max = p.max == null ? null : p.max - 1
      const on = f.price_min === p.min && f.price_max === max
      return {
        key: `p${p.min}-${p.max}`,
        text: priceRangeText(p.min, p.max),
        count: p.count,
        on,
        patch: on ? { price_min: null, price_max: null } : { price_min: p.min, price_max: max },
      }
    })
  if (prices.length > 1) groups.push({ key: 'price', label: '价格', options: prices })
  return groups
}

/**
 * What to offer under the box while typing: earlier searches that contain the text, then the
 * server's completions, without repeats (and never the text itself), at most `max`.
 * @param {string[]} history
 * @param {string[]} server
 * @param {string} text
 */
export function mergeSuggestions(history, server, text, max = 8) {
  const typed = String(text || '').trim()
  const seen = new Set([typed])
  /** @type {string[]} */
  const out = []
  for (const s of [...history, ...server]) {
    const v = String(s || '').trim()
    if (!v || seen.has(v)) continue
    seen.add(v)
    out.push(v)
    if (out.length >= max) break
  }
  return out
}

/** Flatten the category tree (GET /api/v1/categories) to id → name. */
export function categoryNameMap(tree) {
  /** @type {Record<string, string>} */
  const out = {}
  /** @param {any[]} nodes */
  const walk = (nodes) => {
    for (const n of nodes || []) {
      out[n.id] = n.name
      walk(n.children)
    }
  }
  walk(Array.isArray(tree) ? tree : (tree && tree.items) || [])
  return out
}
