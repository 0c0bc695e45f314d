// 点击热力图 and 滚动深度 of the mini program (docs/analytics.md, "The mini program's taps and
// depths"). A mini program has no DOM to record, so it sends what the maps need and nothing
// else: each tap's page coordinates (the tap event's detail.x / detail.y, caught on every
// page's root by PageShell) and how far down the page has been seen (the viewport's
// scrollOffset, read once a second while the page shows). No text, no inputs, no picture of the
// page: the console draws both over the H5 rendering of the same page.
//
// The same rules as the H5 recorder: only when tracking is allowed (an opt-out stops it), only
// for devices the server samples (GET /replays/config), one chunk per page and flush (every
// 10 s, on a page change, when the app hides), and a refused chunk (4xx) stops it for the visit.
import { call } from '../api/client'
import { sendChunk } from './replay'
import { getTracker, trackingAllowed } from './tracking'

const FLUSH_MS = 10_000
const SAMPLE_MS = 1_000
const MAX_TAPS = 200 // per chunk, as the server takes

const state = {
  started: false,
  stopped: false,
  record: false,
  visitId: '',
  seq: 0,
  page: '',
  taps: /** @type {{x: number, y: number, width: number, ts: number}[]} */ ([]),
  scroll: /** @type {null | {depth: number, height: number, viewport: number, width: number}} */ (null),
  sentScroll: '',
  timers: /** @type {any[]} */ ([]),
}

function newVisitId() {
  const random = Math.random().toString(36).slice(2, 12).padEnd(10, '0')
  return `mp-${Date.now().toString(36)}-${random}`
}

function windowInfo() {
  try {
    return typeof uni.getWindowInfo === 'function' ? uni.getWindowInfo() : uni.getSystemInfoSync()
  } catch {
    return null
  }
}

/** A tap anywhere on the page (PageShell's capture handler): its page coordinates. */
export function noteTap(e) {
  if (!state.record || state.stopped || !state.page || state.taps.length >= MAX_TAPS) return
  const d = e && e.detail
  const info = windowInfo()
  if (!d || typeof d.x !== 'number' || typeof d.y !== 'number' || !info || !info.windowWidth) return
  state.taps.push({ x: Math.max(0, Math.round(d.x)), y: Math.max(0, Math.round(d.y)), width: Math.round(info.windowWidth), ts: Date.now() })
}

/** Read how far down this page is seen now and keep the deepest point. */
export function sampleScroll() {
  if (!state.record || state.stopped || !state.page) return
  const page = state.page
  try {
    uni
      .createSelectorQuery()
      .selectViewport()
      .scrollOffset((found) => {
        // One viewport was selected, so one result (the typings allow a list).
        const res = Array.isArray(found) ? found[0] : found
        const info = windowInfo()
        if (!res || !info || state.page !== page) return // the page changed meanwhile
        const viewport = Math.round(info.windowHeight || 0)
        const width = Math.round(info.windowWidth || 0)
        const seen = Math.round((res.scrollTop || 0) + viewport)
        const before = state.scroll
        state.scroll = {
          depth: Math.max(before ? before.depth : 0, seen),
          height: Math.max(before ? before.height : 0, Math.round(res.scrollHeight || 0), seen),
          viewport,
          width,
        }
      })
      .exec()
  } catch {
    // measurement never breaks the app
  }
}

/** Send this page's taps, and its depth when it went deeper, since the last flush. */
export async function flushTaps() {
  if (!state.record || state.stopped || !state.page) return
  const scroll = state.scroll && state.scroll.viewport && state.scroll.width ? state.scroll : null
  const scrollKey = scroll ? JSON.stringify(scroll) : ''
  if (!state.taps.length && (!scroll || scrollKey === state.sentScroll)) return
  /** @type {Record<string, unknown>} */
  const body = {
    visit_id: state.visitId,
    anonymous_id: getTracker().anonymousId,
    seq: state.seq,
    page: state.page.slice(0, 200),
    sent_at: Date.now(),
    taps: state.taps,
  }
  if (scroll) body.scroll = { ...scroll, depth: Math.min(scroll.depth, scroll.height) }
  state.seq += 1
  state.taps = []
  state.sentScroll = scrollKey
  await sendChunk('sendTaps', body, stopTaps)
}

export function stopTaps() {
  state.stopped = true
  state.record = false
  state.timers.forEach((t) => clearInterval(t))
  state.timers = []
}

async function startTaps() {
  state.started = true
  try {
    const config = await call('replayConfig', { query: { anonymous_id: getTracker().anonymousId } })
    if (!config || !config.record) return stopTaps()
    state.record = true
    state.visitId = newVisitId()
    state.timers = [setInterval(() => flushTaps(), FLUSH_MS), setInterval(sampleScroll, SAMPLE_MS)]
    sampleScroll()
  } catch {
    stopTaps() // measurement never breaks the app
  }
}

/** A page showed (the global onShow mixin, mini program only): the previous page goes first. */
export async function tapmapPageShow(route) {
  if (!route || state.stopped || !trackingAllowed()) return
  if (state.page && state.page !== route) {
    flushTaps()
    state.scroll = null // the next page's depth starts at its first screen
    state.sentScroll = ''
  }
  state.page = route
  if (!state.started) await startTaps()
  else sampleScroll()
}

/** The app or page is hidden: send what is waiting. */
export function tapmapHide() {
  flushTaps()
}

/** For tests: forget this visit. */
export function resetTaps() {
  stopTaps()
  Object.assign(state, { started: false, stopped: false, record: false, visitId: '', seq: 0, page: '', taps: [], scroll: null, sentScroll: '' })
}
