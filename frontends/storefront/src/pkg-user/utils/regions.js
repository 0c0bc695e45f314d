// The mainland region tree (GB/T 2260 codes), loaded from GET /api/v1/regions one level at a time
// and kept in memory for the life of the app: provinces first, then a province's cities, then a
// city's districts. The backend stores `region_code` (a district's 6-digit code) with the names.
import { api } from '../../api'

/** @typedef {{ code: string, name: string, has_children: boolean }} RegionItem */

/** parent code ('' for the provinces) -> Promise of its children */
const cache = new Map()

/**
 * The regions below `parentCode` (the provinces when empty). Concurrent calls for one level share
 * one request; a failed request is forgotten so the next call tries again.
 * @param {string} [parentCode]
 * @param {(parent?: string) => Promise<{ items: RegionItem[] }>} [fetchLevel]
 * @returns {Promise<RegionItem[]>}
 */
export function loadRegions(parentCode = '', fetchLevel = api.regions.list) {
  const key = parentCode || ''
  let pending = cache.get(key)
  if (!pending) {
    pending = fetchLevel(key || undefined).then(
      (res) => (res && Array.isArray(res.items) ? res.items : []),
      (err) => {
        cache.delete(key)
        throw err
      },
    )
    cache.set(key, pending)
  }
  return pending
}

/** Forget every loaded level (tests; a new division release is picked up on the next start). */
export function clearRegionCache() {
  cache.clear()
}

/**
 * The picker's path to an address's region: the province and city entries (found by name, as the
 * address stores them) and the district (by code). Missing levels are null.
 * @param {{ province?: string, city?: string, region_code?: string }} address
 * @param {typeof loadRegions} [load]
 * @returns {Promise<{ province: RegionItem | null, city: RegionItem | null, district: RegionItem | null }>}
 */
export async function regionPath(address, load = loadRegions) {
  const none = { province: null, city: null, district: null }
  if (!address || !address.region_code) return none
  const provinces = await load('')
  const province = provinces.find((p) => p.name === address.province)
    || provinces.find((p) => p.code.slice(0, 2) === address.region_code.slice(0, 2)) || null
  if (!province) return none
  const cities = await load(province.code)
  const city = cities.find((c) => c.name === address.city) || null
  if (!city) return { ...none, province }
  const districts = await load(city.code)
  const district = districts.find((d) => d.code === address.region_code) || null
  return { province, city, district }
}

/**
 * The form fields smart paste found (POST /addresses/parse), for the shopper to check: only parts
 * that were found are taken, and the region only as a whole (names and code together).
 * @param {Record<string, any>} form the address form (changed in place)
 * @param {Record<string, string | null>} parsed
 * @returns {string[]} the fields that were filled
 */
export function applyParsed(form, parsed) {
  const filled = []
  if (!parsed) return filled
  for (const field of ['recipient', 'phone', 'detail']) {
    const value = parsed[field]
    if (typeof value === 'string' && value.trim()) {
      form[field] = value.trim()
      filled.push(field)
    }
  }
  if (parsed.region_code && parsed.province && parsed.city && parsed.district) {
    Object.assign(form, {
      province: parsed.province,
      city: parsed.city,
      district: parsed.district,
      region_code: parsed.region_code,
    })
    filled.push('region')
  }
  return filled
}

/** The glossary words of the fields smart paste filled, in form order. */
const FIELD_LABELS = { recipient: '收货人', phone: '手机号', region: '所在地区', detail: '详细地址' }

/**
 * What to tell the shopper after smart paste: which fields were filled, or that none was.
 * @param {string[]} filled
 */
export function parsedSummary(filled) {
  const names = Object.keys(FIELD_LABELS).filter((f) => filled.includes(f)).map((f) => FIELD_LABELS[f])
  return names.length ? `已识别：${names.join('、')}，请核对` : '没有识别出地址信息，请手动填写'
}

/**
 * Where keyboard focus goes in a radio group: arrows move to the previous/next option (wrapping),
 * Home/End to the first/last; other keys return -1.
 * @param {string} key
 * @param {number} index
 * @param {number} count
 */
export function nextIndex(key, index, count) {
  if (!count) return -1
  if (key === 'ArrowRight' || key === 'ArrowDown') return (index + 1) % count
  if (key === 'ArrowLeft' || key === 'ArrowUp') return (index - 1 + count) % count
  if (key === 'Home') return 0
  if (key === 'End') return count - 1
  return -1
}
