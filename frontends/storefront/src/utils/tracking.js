// Tracking (docs/analytics.md, "The SDK"): one tracker for the app, over the shared SDK
// (frontends/shared/src/tracker.ts). Measurement, never a feature: a failure is never shown and
// never delays the shopper.
//
// Consent: on H5 nothing is recorded until the shopper has agreed to the privacy policy (the
// login page's checkbox, or `setTrackingConsent(true)`); the mini program is covered by WeChat's
// privacy agreement. An opt-out (设置 › 个性化推荐与统计) stops it on both.
import { Tracker } from '@shoplet/shared/tracker'
import { call } from '../api/client'

/** @type {Tracker | null} */
let tracker = null
let lastShown = { route: '', at: 0 }

/** uni storage (wx storage in the mini program, localStorage in H5) as tracker storage. */
const uniStorage = {
  get(key) {
    try {
      const value = uni.getStorageSync(key)
      return typeof value === 'string' && value !== '' ? value : null
    } catch {
      return null
    }
  },
  set(key, value) {
    try {
      uni.setStorageSync(key, value)
    } catch {
      // full or unavailable
    }
  },
  remove(key) {
    try {
      uni.removeStorageSync(key)
    } catch {
      // nothing stored
    }
  },
}

/** @param {import('@shoplet/shared/tracker').EventBatch} batch */
async function send(batch) {
  try {
    await call('trackEvents', { body: batch })
    return 202
  } catch (e) {
    return typeof e?.status === 'number' ? e.status : 0
  }
}

/** @returns {'h5' | 'mp-weixin'} */
function platform() {
  /** @type {'h5' | 'mp-weixin'} */
  let name = 'mp-weixin'
  // Unit tests run every branch: the H5 one comes last.
  // #ifdef H5
  name = 'h5'
  // #endif
  return name
}

export function getTracker() {
  if (!tracker) {
    const kind = platform()
    tracker = new Tracker({
      platform: kind,
      storage: uniStorage,
      transport: send,
      requireConsent: kind === 'h5',
      sampleRate: Number(import.meta.env.VITE_TRACKING_SAMPLE_RATE || 1),
      appVersion: import.meta.env.VITE_APP_VERSION || undefined,
    })
  }
  return tracker
}

/** Record an event (fire-and-forget). */
export function track(event, fields = {}) {
  try {
    getTracker().track(event, fields)
  } catch {
    // measurement never breaks the app
  }
}

/** The shopper's choice on H5 (agreed at login) or an opt-out from the settings. */
export function setTrackingConsent(granted) {
  getTracker().setConsent(granted)
}

/** Consent given at sign-in, unless the shopper opted out before (an opt-out stays). */
export function consentAtSignIn() {
  const t = getTracker()
  if (t.consent === 'unknown') t.setConsent(true)
}

export function trackingAllowed() {
  return getTracker().enabled
}

/** After a sign-in: the device's earlier events become the member's (server side). */
export function identify() {
  if (!trackingAllowed()) return Promise.resolve()
  return getTracker().identify().catch(() => {})
}

/** Send what is queued now (before a payment leaves the app, and in tests). */
export function flushTracking() {
  return getTracker().flush().catch(() => {})
}

const MARKERS = ['utm_source', 'utm_medium', 'utm_campaign', 'campaign']
const SHARE_LANDING = 'pkg-social/share/index'
const SHARE_CODE = /^[A-Za-z0-9_-]{1,64}$/

/** A page option as text (the mini program passes a code's scene URL-encoded). */
function decoded(value) {
  if (typeof value !== 'string' || !value) return ''
  try {
    return decodeURIComponent(value)
  } catch {
    return value
  }
}

/**
 * A page view for the page on top, called from every page's onShow (a global mixin); the
 * components of a page see the same onShow, so one route counts once per showing.
 */
export function trackPageShow() {
  try {
    const pages = getCurrentPages()
    const top = pages[pages.length - 1]
    if (!top || !top.route) return
    const now = Date.now()
    if (lastShown.route === top.route && now - lastShown.at < 500) return
    lastShown = { route: top.route, at: now }
    /** @type {Record<string, unknown>} */
    const properties = {}
    const options = /** @type {any} */ (top).options || {}
    if (options.id && /^\d+$/.test(String(options.id))) properties.product_id = Number(options.id)
    // Campaign markers of the link that opened the page: attribution's touches (归因分析).
    for (const key of MARKERS) {
      const value = decoded(options[key])
      if (value) properties[key] = value.slice(0, 200)
    }
    /** @type {Record<string, unknown>} */
    const fields = { properties }
    // A share link's landing page: the share code makes the view a touch of channel `share`.
    const code = decoded(options.scene)
    if (top.route === SHARE_LANDING && SHARE_CODE.test(code)) fields.share_code = code
    // #ifdef MP-WEIXIN
    const launch = /** @type {any} */ (uni.getEnterOptionsSync ? uni.getEnterOptionsSync() : null)
    if (launch && launch.scene >= 1000 && launch.scene <= 9999) fields.scene = launch.scene
    if (launch && launch.shareTicket) fields.share_ticket = String(launch.shareTicket).slice(0, 200)
    // #endif
    getTracker().pageView(top.route, fields)
  } catch {
    // measurement never breaks the app
  }
}
