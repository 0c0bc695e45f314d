// A/B tests in the shop (docs/experiments.md): `useExperiment('home_layout')` gives a component
// its variant of the running experiment in that slot, and logs the exposure once the component
// has rendered it. The assignments are fetched once per session (one request for every slot,
// shared by every component) and are deterministic on the server, so a shopper keeps their
// variant; a failed fetch leaves the default variant and is retried by the next component.
import { onMounted, ref } from 'vue'
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
 * The variant of `slot` for this shopper: a ref holding `fallback` until the assignments arrive
 * (or when no experiment runs there), then the assigned arm's key. The exposure is logged after
 * the component has mounted with the variant applied.
 */
export function useExperiment(slot, fallback = 'default') {
  const variant = ref(fallback)
  const ready = ref(false)
  onMounted(async () => {
    const answer = await loadAssignments()
    const assigned = answer && answer.variants ? answer.variants[slot] : null
    if (assigned) variant.value = assigned.variant
    ready.value = true
    if (assigned) logExposure(assigned)
  })
  return { variant, ready }
}
