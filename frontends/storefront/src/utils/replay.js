// Session replay and click heatmaps (docs/analytics.md, "Session replay and heatmaps"): H5
// only, after the shopper's consent, for the devices the server samples
// (SHOPLET_ANALYTICS_REPLAY_SAMPLE_RATE). @rrweb/record is loaded on demand from our own bundle.
//
// Privacy: every input is masked (its text is never recorded, only its length as ***); every
// text node goes through `maskText`, which blanks elements marked `data-pii` (names, phones,
// addresses on the page) and any phone number anywhere. The mini program is not recorded: it
// has no DOM to snapshot (docs/analytics.md explains); it sends its taps and depths only
// (utils/tapmap.js).
//
// One chunk per page and flush: the recorder flushes every few seconds, on a route change and
// when the tab is hidden. A refused chunk (4xx) stops recording for this visit. With the rrweb
// events go the page's clicks (点击热力图), its JavaScript errors (会话回放 finds recordings by
// them; messages masked like page text) and how far down it has been scrolled (滚动深度).
import { call } from '../api/client'
import { getTracker, trackingAllowed } from './tracking'

const PHONE = /(^|\D)(1[3-9]\d)\d{4}(\d{4})(?!\d)/g
const MAX_EVENTS = 500
const MAX_ERRORS = 20 // per chunk, as the server takes

/** Text as it may be recorded: `data-pii` elements blanked, phone numbers masked. */
export function maskText(text, element) {
  if (element && typeof element.closest === 'function' && element.closest('[data-pii]')) {
    return text.replace(/\S/g, '*')
  }
  return text.replace(PHONE, '$1$2****$3')
}

/** What rrweb is told: inputs masked, text through `maskText`, nothing heavy recorded. */
export const RECORD_OPTIONS = {
  maskAllInputs: true,
  maskInputOptions: { color: true, date: true, email: true, number: true, password: true, search: true, tel: true, text: true, textarea: true, select: true },
  maskTextSelector: '*',
  maskTextFn: maskText,
  blockSelector: '[data-replay-block]',
  recordCanvas: false,
  collectFonts: false,
  inlineImages: false,
  sampling: { mousemove: 100, scroll: 150, input: /** @type {'last'} */ ('last') },
  slimDOMOptions: /** @type {'all'} */ ('all'),
}

const state = {
  started: false,
  stopped: false,
  stop: /** @type {null | (() => void)} */ (null),
  replayId: '',
  seq: 0,
  page: '',
  events: /** @type {any[]} */ ([]),
  clicks: /** @type {any[]} */ ([]),
  errors: /** @type {any[]} */ ([]),
  scroll: /** @type {null | {depth: number, height: number, viewport: number, width: number}} */ (null),
  timer: /** @type {any} */ (null),
}

function newReplayId() {
  const bytes = new Uint8Array(12)
  crypto.getRandomValues(bytes)
  return 'rp-' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}

function onClick(/** @type {MouseEvent} */ e) {
  const width = document.documentElement.clientWidth || window.innerWidth
  if (!width || state.clicks.length >= 200) return
  state.clicks.push({ x: Math.max(0, Math.round(e.pageX)), y: Math.max(0, Math.round(e.pageY)), width: Math.round(width), ts: Date.now() })
}

/** Where an error was thrown, as `file:line:column` without the query. */
function sourceOf(file, line, column) {
  if (!file) return ''
  const place = String(file).split('?')[0].slice(0, 280)
  return line ? `${place}:${line}:${column || 0}` : place
}

function noteError(message, source) {
  if (state.errors.length >= MAX_ERRORS) return
  const text = maskText(String(message || 'Error').trim() || 'Error', null).slice(0, 500)
  state.errors.push({ message: text, source: source.slice(0, 300), ts: Date.now() })
}

function onError(/** @type {ErrorEvent} */ e) {
  // A resource that failed to load is not a JavaScript error (no message).
  if (!e || !e.message) return
  noteError(e.message, sourceOf(e.filename, e.lineno, e.colno))
}

function onRejection(/** @type {PromiseRejectionEvent} */ e) {
  const reason = e && e.reason
  const message = reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason)
  noteError(`Unhandled rejection: ${message}`, '')
}

/** Measure how far down this page is seen now (the viewport's bottom, CSS px from the top)
 * and keep the deepest point, with the document's height and the viewport's size. */
function measure() {
  const doc = document.documentElement
  const viewport = Math.round(window.innerHeight || doc.clientHeight || 0)
  const seen = Math.round((window.scrollY || doc.scrollTop || 0) + viewport)
  const height = Math.round(Math.max(doc.scrollHeight || 0, document.body ? document.body.scrollHeight : 0))
  state.scroll = {
    depth: Math.max(state.scroll ? state.scroll.depth : 0, seen),
    height: Math.max(state.scroll ? state.scroll.height : 0, height),
    viewport,
    width: Math.round(doc.clientWidth || window.innerWidth || 0),
  }
}

/** The page's deepest point so far, as the server takes it (none before a measure). */
function scrollDepth() {
  const s = state.scroll
  if (!s || !s.width || !s.viewport || !s.height) return undefined
  return { ...s, depth: Math.min(s.depth, s.height) }
}

function onHidden() {
  if (document.visibilityState === 'hidden') flushReplay()
}

/** Send what this page recorded so far (`measureNow`: false when the page has already left
 * and the document is the next page's). */
export async function flushReplay(measureNow = true) {
  if (!state.events.length || !state.page || state.stopped) return
  if (measureNow === true) measure()
  const body = {
    replay_id: state.replayId,
    anonymous_id: getTracker().anonymousId,
    seq: state.seq,
    page: state.page.slice(0, 200),
    sent_at: Date.now(),
    events: state.events,
    clicks: state.clicks,
    errors: state.errors,
  }
  const scroll = scrollDepth()
  if (scroll) body.scroll = scroll
  state.seq += 1
  state.events = []
  state.clicks = []
  state.errors = []
  await sendChunk('sendReplay', body, stopReplay)
}

/**
 * Send one chunk of measurement (a recording's or the mini program's taps); when the server
 * refuses it (a 4xx) or says this device is not sampled, `stop` ends measuring for the visit.
 * Other failures are dropped: measurement never breaks or slows the app.
 * @param {string} operation
 * @param {Record<string, unknown>} body
 * @param {() => void} stop
 */
export async function sendChunk(operation, body, stop) {
  try {
    const answer = await call(operation, { body })
    if (answer && answer.recorded === false) stop()
  } catch (e) {
    const status = /** @type {any} */ (e)?.status
    if (typeof status === 'number' && status >= 400 && status < 500) stop()
  }
}

export function stopReplay() {
  state.stopped = true
  if (state.stop) state.stop()
  state.stop = null
  if (state.timer) clearInterval(state.timer)
  state.timer = null
  if (typeof document !== 'undefined') {
    document.removeEventListener('click', onClick, true)
    document.removeEventListener('visibilitychange', onHidden)
    window.removeEventListener('error', onError)
    window.removeEventListener('unhandledrejection', onRejection)
    window.removeEventListener('scroll', measure)
  }
}

/** Start recording this visit if allowed and sampled (once per visit). */
export async function startReplay() {
  if (state.started || state.stopped || !trackingAllowed()) return
  state.started = true
  try {
    const config = await call('replayConfig', { query: { anonymous_id: getTracker().anonymousId } })
    if (!config || !config.record) return stopReplay()
    // Through src/utils/rrweb-record.js: a chunk name the bundle can import (that file explains).
    const { record } = await import('./rrweb-record')
    state.replayId = newReplayId()
    state.stop =
      record({
        ...RECORD_OPTIONS,
        emit(event) {
          state.events.push(event)
          if (state.events.length >= MAX_EVENTS) flushReplay()
        },
      }) || null
    document.addEventListener('click', onClick, true)
    document.addEventListener('visibilitychange', onHidden)
    window.addEventListener('error', onError)
    window.addEventListener('unhandledrejection', onRejection)
    window.addEventListener('scroll', measure, { passive: true })
    measure()
    state.timer = setInterval(() => flushReplay(), Number(config.flush_interval_ms) || 5000)
  } catch {
    stopReplay() // measurement never breaks the app
  }
}

/** A page showed (the global onShow mixin): the previous page's events go first. */
export function replayPageShow(route) {
  // #ifdef H5
  if (!route || state.stopped) return
  if (state.page && state.page !== route) {
    flushReplay(false)
    state.scroll = null // the next page's depth starts at its first screen
  }
  state.page = route
  if (state.started && !state.stopped) measure()
  if (!state.started) startReplay()
  // #endif
}

/** For tests: forget this visit's recorder. */
export function resetReplay() {
  stopReplay()
  Object.assign(state, { started: false, stopped: false, replayId: '', seq: 0, page: '', events: [], clicks: [], errors: [], scroll: null })
}
