// A/B tests in the shop (docs/experiments.md): `useExperiment('home_layout')` gives a component
// its variant of the running experiment in that slot, and logs the exposure once the component
// has rendered it. The assignments are fetched once per session (one request for every slot,
// shared by every component) and are deterministic on the server, so a shopper keeps their
// variant; a failed fetch leaves the default variant and is retried by the next component.
import { onMounted, ref, watch } from 'vue'
import { api } from '../api'
import { visitorId } from '../utils/visitor'

let pending = null
const exposed = new Set()

function platform() {
  // The mini program has no DOM; H5 runs in a browser.
  return typeof document === 'undefined' ? 'mp-weixin' : 'h5'
}

/** Every slot's variant for this shopper: { variants: { slot: { experiment_id, variant, is_holdout } } }. */
export function loadAssignments() {
  if (!pending) {
    pending = api.experiments.assign({ platform: platform() }, visitorId()).catch(() => {
      pending = null
      return null
    })
  }
  return pending
}

/** Forget the session's assignments (sign-in or sign-out changes who the shopper is). */
export function resetExperiments() {
  pending = null
  exposed.clear()
}

/** Log that `assigned` was rendered, at most once per experiment in this session. */
export function logExposure(assigned) {
  if (!assigned || assigned.is_holdout || exposed.has(assigned.experiment_id)) return
  exposed.add(assigned.experiment_id)
  api.experiments
    .expose({ experiment_id: assigned.experiment_id, variant: assigned.variant }, visitorId())
    .catch(() => exposed.delete(assigned.experiment_id))
}

/**
 * The arms the shop knows how to render in each built-in slot (the server refuses others, with
 * the same lists in experiments' SLOT_ARM_KEYS): home_layout on the home page (shelf_first: 猜你喜欢
 * above the banners), product_card_style on the home feed (list: one product per row),
 * checkout_button_text on the checkout (alt: 立即支付), promotion_strategy on the product page
 * (promo_first: the promotions right under the price). search_ranking is the search page's.
 */
export const SLOT_ARMS = {
  home_layout: ['default', 'shelf_first'],
  product_card_style: ['default', 'list'],
  checkout_button_text: ['default', 'alt'],
  promotion_strategy: ['default', 'promo_first'],
}

/**
 * The variant of `slot` for this shopper: a ref holding `fallback` until the assignments arrive
 * (or when no experiment runs there), then the assigned arm's key. The exposure is logged once
 * the component has rendered the variant: after mounting, or, with `options.when` (a getter or
 * ref), once that is true too (the feed has products, the promotions are on screen), so a
 * shopper who never saw the slot is not counted. An arm the shop does not know is not rendered
 * and not logged.
 */
export function useExperiment(slot, fallback = 'default', options = {}) {
  const variant = ref(fallback)
  const ready = ref(false)
  const arrived = ref(null)
  onMounted(async () => {
    const answer = await loadAssignments()
    const assigned = answer && answer.variants ? answer.variants[slot] : null
    const known = !SLOT_ARMS[slot] || (assigned && SLOT_ARMS[slot].includes(assigned.variant))
    if (assigned && known) {
      variant.value = assigned.variant
      arrived.value = assigned
    }
    ready.value = true
  })
  const shown = options.when || (() => true)
  // flush: 'post': after the DOM shows the variant.
  watch(
    [arrived, shown],
    ([assigned, on]) => {
      if (assigned && on) logExposure(assigned)
    },
    { flush: 'post' },
  )
  return { variant, ready }
}
