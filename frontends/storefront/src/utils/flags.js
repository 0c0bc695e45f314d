// Feature flags for pages: `const newCheckout = useFlag('new_checkout')` is a computed boolean (or
// string, for multivariate flags). The backend evaluates every flag for this shopper or device in
// one bootstrap call (GET /api/v1/flags/bootstrap), read once per session and shared by every
// page; until it answers, or if it fails, each flag is its fallback (the old behaviour).
import { computed, ref } from 'vue'
import { api } from '../api'
import { visitorId } from './visitor'

const flags = ref(/** @type {Record<string, { value: boolean | string, variant: string }>} */ ({}))
const loaded = ref(false)
/** @type {Promise<Record<string, { value: boolean | string, variant: string }>> | null} */
let pending = null

/** The platform the rules target: the mini program, or the H5 shop. */
export function flagPlatform() {
  let platform = 'h5'
  // #ifdef MP-WEIXIN
  platform = 'mp-weixin'
  // #endif
  return platform
}

/**
 * Fetch the session's flags once (later calls share the first answer); `force` fetches again
 * (after a login, when the member's own rules apply).
 * @param {{ force?: boolean }} [options]
 */
export function loadFlags({ force = false } = {}) {
  if (pending && !force) return pending
  pending = api.flags
    .bootstrap({ 'X-Device-Id': visitorId(), 'X-Platform': flagPlatform() })
    .then((body) => {
      flags.value = (body && body.flags) || {}
      return flags.value
    })
    .catch(() => flags.value)
    .finally(() => {
      loaded.value = true
    })
  return pending
}

/**
 * A flag's value for this session, as a computed ref.
 * @param {string} key
 * @param {boolean | string} [fallback] served until the bootstrap answers, or if the flag is unknown
 */
export function useFlag(key, fallback = false) {
  loadFlags()
  return computed(() => {
    const flag = flags.value[key]
    return flag ? flag.value : fallback
  })
}

/** Whether the bootstrap has answered (or failed) this session. */
export function flagsLoaded() {
  return loaded.value
}

/** Forget the session's flags (tests; a logout). */
export function resetFlags() {
  flags.value = {}
  loaded.value = false
  pending = null
}
