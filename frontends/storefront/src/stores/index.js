// Wires the stores to the API client and restores what the shopper left (tokens, cart token,
// preferences). Called once from App.vue's onLaunch.
import { api, configureClient } from '../api'
import { passChallenge } from '../api/challenge'
import { visitorId } from '../utils/visitor'
import { useAuthStore } from './auth'
import { useCartStore } from './cart'
import { usePrefsStore } from './prefs'
import { useFavoritesStore } from './favorites'
import { useAddressStore } from './addresses'
import { useOrdersStore } from './orders'
import { consentAtSignIn, identify } from '../utils/tracking'

export function bootstrap() {
  const auth = useAuthStore()
  const cart = useCartStore()
  const prefs = usePrefsStore()
  auth.restore()
  cart.restore()
  prefs.restore()
  cart.hasOwner = () => auth.isLoggedIn
  configureClient({
    auth: {
      accessToken: () => auth.accessToken,
      cartToken: () => cart.guestToken,
      refresh: () => auth.refresh(),
      onUnauthorized: () => auth.clear(),
    },
    challenge: (problem) => passChallenge(problem),
  })
  return { auth, cart, prefs }
}

/**
 * After any login: fold the guest cart in, hand the device's guest share visits to the member
 * (so a friend's link opened before signing in still brings them), load what belongs to them.
 */
export async function afterLogin() {
  // The shopper agreed to the privacy policy to sign in: tracking may start (H5), and this
  // device's earlier events become the member's.
  consentAtSignIn()
  identify()
  const cart = useCartStore()
  await cart.mergeGuest().catch(() => {})
  await api.share.claimVisits(visitorId()).catch(() => {})
  await cart.load().catch(() => {})
  await useOrdersStore().refreshUnpaid().catch(() => {})
}

export async function afterLogout() {
  useCartStore().reset()
  useOrdersStore().clearUnpaid()
  useFavoritesStore().reset()
  useAddressStore().reset()
}
