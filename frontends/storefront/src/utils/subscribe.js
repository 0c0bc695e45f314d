// 订阅消息 prompts (mini program only): WeChat's one-time subscribe messages need the shopper's
// accept, asked with uni.requestSubscribeMessage({ tmplIds }) inside a tap (WeChat refuses the
// call outside a tap gesture, so the template ids come from a cache filled beforehand, and the
// call starts before any await). The answers go to POST /me/subscriptions (each accept is one
// message the shop may send). Nothing here may block or break what the tap does: a dismissed
// prompt, a refused call or a failed request all end quietly. H5 asks nothing.
import { api } from '../api'

/** How long the template ids are kept before they are fetched again. */
export const TEMPLATES_TTL_MS = 10 * 60 * 1000
/** The longest a caller waits for the prompt before going on anyway. */
export const PROMPT_WAIT_MS = 15000

/** @type {{ at: number, byEvent: Record<string, string> } | null} */
let cache = null
/** @type {Promise<Record<string, string>> | null} */
let loading = null

/** Whether this platform asks (the mini program). */
export function subscribeSupported() {
  let supported = false
  // #ifdef MP-WEIXIN
  supported = true
  // #endif
  return supported
}

/** Forget the cached template ids (tests). */
export function resetSubscribeCache() {
  cache = null
  loading = null
}

/**
 * Fetch the shop's templates once per TTL (later calls share the answer); never rejects.
 * @returns {Promise<Record<string, string>>} event → template id
 */
export function loadSubscribeTemplates(now = Date.now()) {
  if (!subscribeSupported()) return Promise.resolve({})
  if (cache && now - cache.at < TEMPLATES_TTL_MS) return Promise.resolve(cache.byEvent)
  if (loading) return loading
  loading = api.subscribe
    .templates()
    .then((/** @type {{ event: string, template_id: string }[]} */ rows) => {
      const byEvent = Object.fromEntries((rows || []).map((r) => [r.event, r.template_id]))
      cache = { at: now, byEvent }
      return byEvent
    })
    .catch(() => (cache ? cache.byEvent : {}))
    .finally(() => {
      loading = null
    })
  return loading
}

/** The cached template ids of `events` (none when not loaded yet). */
export function templateIdsFor(events) {
  if (!cache) return []
  const ids = events.map((e) => cache && cache.byEvent[e]).filter((id) => typeof id === 'string' && id)
  return [...new Set(ids)].slice(0, 3) // WeChat asks for at most 3 templates at once
}

/** Of WeChat's result, the answers to the templates asked for. */
export function answersOf(result, tmplIds) {
  /** @type {Record<string, string>} */
  const answers = {}
  for (const id of tmplIds) {
    const answer = result && result[id]
    if (answer === 'accept' || answer === 'reject' || answer === 'ban' || answer === 'filter') answers[id] = answer
  }
  return answers
}

/** What a reminder is for: the SKU of 到货提醒, the product of 降价提醒 (positive ids only). */
export function subjectOf(subject) {
  /** @type {{ sku_id?: number, product_id?: number }} */
  const out = {}
  for (const key of /** @type {const} */ (['sku_id', 'product_id'])) {
    const value = Number(subject && subject[key])
    if (Number.isSafeInteger(value) && value > 0) out[key] = value
  }
  return out
}

/**
 * Ask the shopper to subscribe to the templates of `events` (call it first thing in a tap
 * handler, and never wait for it before doing what the tap does). Resolves, never rejects,
 * with the answers recorded ({} when nothing was asked); the answers are posted in the
 * background, with `subject` ({ sku_id } for 到货提醒, { product_id } for 降价提醒).
 * @param {string[]} events
 * @param {{ sku_id?: number | string, product_id?: number | string }} [subject]
 * @returns {Promise<Record<string, string>>}
 */
export function askSubscribe(events, subject = {}) {
  if (!subscribeSupported()) return Promise.resolve({})
  const tmplIds = templateIdsFor(events)
  if (!cache) loadSubscribeTemplates().catch(() => {})
  if (!tmplIds.length) return Promise.resolve({})
  return new Promise((resolve) => {
    let settled = false
    /** @param {Record<string, string>} answers */
    const finish = (answers) => {
      if (settled) return
      settled = true
      resolve(answers)
    }
    try {
      uni.requestSubscribeMessage({
        tmplIds,
        success: (/** @type {any} */ result) => {
          const answers = answersOf(result, tmplIds)
          if (Object.keys(answers).length) api.subscribe.record(answers, subjectOf(subject)).catch(() => {})
          finish(answers)
        },
        fail: () => finish({}),
      })
    } catch {
      finish({})
    }
  })
}

/** Wait for a prompt at most PROMPT_WAIT_MS (the shopper's answer never holds a flow for long). */
export function settled(prompt, waitMs = PROMPT_WAIT_MS) {
  return Promise.race([prompt.catch(() => ({})), new Promise((resolve) => setTimeout(() => resolve({}), waitMs))])
}
