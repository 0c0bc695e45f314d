/**
 * The tracking SDK of the storefront and the console (docs/analytics.md, "The SDK").
 *
 * Events wait in a queue, kept in storage (localStorage on H5, the mini program's storage, through
 * an adapter) so a closed page or an offline phone loses nothing; they leave in batches
 * (`batchSize` events, or `flushIntervalMs` after the first one) to `POST /api/v1/events`. A
 * network failure, a 5xx or a 429 keeps the batch and tries again after an exponential backoff
 * with jitter; any other 4xx drops it (the server refused it whole and would again).
 *
 * Privacy: with `requireConsent` (H5) nothing is recorded until `setConsent(true)`; an opt-out
 * (`setConsent(false)`) empties the queue and stops everything, on every platform. Sampling keeps
 * or drops a whole device (by its anonymous id), so a kept device's funnels stay complete. The
 * member is never sent: the server takes it from the access token.
 */

export type TrackerPlatform = 'h5' | 'mp-weixin' | 'console' | 'other'
export type PropertyValue = string | number | boolean | null
export type Properties = Record<string, PropertyValue>
export type Consent = 'unknown' | 'granted' | 'denied'

export interface TrackedEvent {
  event: string
  ts: number
  event_id: string
  session_id?: string
  page?: string
  referrer?: string
  scene?: number
  share_ticket?: string
  share_code?: string
  properties?: Properties
}

export interface EventBatch {
  anonymous_id: string
  platform: TrackerPlatform
  app_version?: string
  sent_at: number
  events: TrackedEvent[]
}

/** Synchronous string storage: localStorage, or uni.getStorageSync / setStorageSync. */
export interface TrackerStorage {
  get(key: string): string | null
  set(key: string, value: string): void
  remove(key: string): void
}

/** Sends one batch; resolves with the HTTP status (0 for a network failure), never rejects. */
export type TrackerTransport = (batch: EventBatch, accessToken: string | null) => Promise<number>

export interface TrackerOptions {
  platform: TrackerPlatform
  storage: TrackerStorage
  transport: TrackerTransport
  appVersion?: string
  accessToken?: () => string | null
  batchSize?: number
  flushIntervalMs?: number
  /** Share of devices tracked, 0..1 (1: all). */
  sampleRate?: number
  /** No event before consent (H5). An opt-out is honoured either way. */
  requireConsent?: boolean
  maxQueue?: number
  retryBaseMs?: number
  retryMaxMs?: number
  now?: () => number
  random?: () => number
}

/** What `track` takes besides the name: the event's fields, properties still to be cleaned. */
export type TrackFields = Omit<Partial<TrackedEvent>, 'event' | 'ts' | 'event_id' | 'properties'> & {
  properties?: Record<string, unknown>
}

export const STORAGE_KEYS = {
  queue: 'shoplet.tracker.queue',
  anonymousId: 'shoplet.tracker.anonymous_id',
  consent: 'shoplet.tracker.consent',
} as const

export const MAX_BATCH = 50
const KEY = /^[a-z][a-z0-9_]{0,39}$/
const SESSION_IDLE_MS = 30 * 60 * 1000
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

function randomId(random: () => number, length = 22): string {
  let id = ''
  for (let i = 0; i < length; i += 1) id += ALPHABET[Math.floor(random() * ALPHABET.length)]
  return id
}

/** A stable 0..1 bucket of a device (FNV-1a of its id). */
export function deviceBucket(anonymousId: string): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < anonymousId.length; i += 1) {
    hash ^= anonymousId.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  return hash / 0x100000000
}

/** Properties the collector accepts: keys `a-z0-9_` (up to 40), strings cut to 200, at most 20. */
export function cleanProperties(properties: Record<string, unknown> | undefined): Properties {
  const out: Properties = {}
  if (!properties) return out
  for (const [key, value] of Object.entries(properties)) {
    if (Object.keys(out).length >= 20) break
    if (!KEY.test(key)) continue
    if (typeof value === 'string') out[key] = value.slice(0, 200)
    else if (typeof value === 'number' && Number.isFinite(value)) out[key] = value
    else if (typeof value === 'boolean') out[key] = value
    else if (value === null) out[key] = null
  }
  return out
}

export class Tracker {
  private readonly options: Required<Omit<TrackerOptions, 'appVersion' | 'accessToken'>> &
    Pick<TrackerOptions, 'appVersion' | 'accessToken'>
  private queue: TrackedEvent[]
  private timer: ReturnType<typeof setTimeout> | null = null
  private sending = false
  private failures = 0
  private sessionId: string
  private lastActivity = 0
  private lastPage: string | undefined
  readonly anonymousId: string

  constructor(options: TrackerOptions) {
    this.options = {
      batchSize: 20,
      flushIntervalMs: 5000,
      sampleRate: 1,
      requireConsent: false,
      maxQueue: 500,
      retryBaseMs: 1000,
      retryMaxMs: 60_000,
      now: () => Date.now(),
      random: () => Math.random(),
      ...options,
    }
    this.anonymousId = this.loadAnonymousId()
    this.queue = this.loadQueue()
    this.sessionId = randomId(this.options.random, 16)
    if (this.queue.length) this.schedule(0)
  }

  get consent(): Consent {
    const value = this.options.storage.get(STORAGE_KEYS.consent)
    return value === 'granted' || value === 'denied' ? value : 'unknown'
  }

  /** Whether events are recorded now (consent, opt-out, sampling). */
  get enabled(): boolean {
    const consent = this.consent
    if (consent === 'denied') return false
    if (this.options.requireConsent && consent !== 'granted') return false
    return deviceBucket(this.anonymousId) < this.options.sampleRate
  }

  get pending(): number {
    return this.queue.length
  }

  /** The shopper's choice: granted starts tracking; denied (an opt-out) drops what is queued. */
  setConsent(granted: boolean): void {
    this.options.storage.set(STORAGE_KEYS.consent, granted ? 'granted' : 'denied')
    if (!granted) {
      this.queue = []
      this.options.storage.remove(STORAGE_KEYS.queue)
      this.cancel()
    }
  }

  track(event: string, fields: TrackFields = {}): boolean {
    if (!this.enabled) return false
    const now = this.options.now()
    if (now - this.lastActivity > SESSION_IDLE_MS && this.lastActivity) {
      this.sessionId = randomId(this.options.random, 16)
    }
    this.lastActivity = now
    const entry: TrackedEvent = {
      ...fields,
      event,
      ts: now,
      event_id: randomId(this.options.random),
      session_id: this.sessionId,
      properties: cleanProperties(fields.properties),
    }
    if (entry.page === undefined && this.lastPage !== undefined) entry.page = this.lastPage
    this.queue.push(entry)
    // Past the cap the oldest go first: a phone offline for days keeps its latest events.
    if (this.queue.length > this.options.maxQueue) this.queue.splice(0, this.queue.length - this.options.maxQueue)
    this.save()
    if (this.queue.length >= this.options.batchSize) this.schedule(0)
    else if (this.timer === null) this.schedule(this.options.flushIntervalMs)
    return true
  }

  /** A page view; the previous page is its referrer unless one is given. */
  pageView(page: string, fields: TrackFields = {}): boolean {
    const referrer = fields.referrer ?? this.lastPage
    this.lastPage = page
    return this.track('page_view', { ...fields, page, ...(referrer ? { referrer } : {}) })
  }

  /** After a sign-in: the server links this device's anonymous events to the member. */
  identify(): Promise<void> {
    this.track('identify')
    return this.flush()
  }

  /** Send what is queued now (one batch after another); resolves when done or backing off. */
  async flush(): Promise<void> {
    if (this.sending) return
    this.cancel()
    this.sending = true
    try {
      while (this.queue.length) {
        const events = this.queue.slice(0, Math.min(this.options.batchSize, MAX_BATCH))
        const batch: EventBatch = {
          anonymous_id: this.anonymousId,
          platform: this.options.platform,
          sent_at: this.options.now(),
          events,
          ...(this.options.appVersion ? { app_version: this.options.appVersion } : {}),
        }
        const token = this.options.accessToken ? this.options.accessToken() : null
        const status = await this.options.transport(batch, token || null)
        const retry = status === 0 || status === 429 || status >= 500
        if (retry) {
          this.failures += 1
          const backoff = Math.min(this.options.retryMaxMs, this.options.retryBaseMs * 2 ** (this.failures - 1))
          this.schedule(backoff / 2 + (backoff / 2) * this.options.random())
          return
        }
        // Sent, or refused for good (4xx): either way these events leave the queue.
        this.failures = 0
        const sent = new Set(events.map((e) => e.event_id))
        this.queue = this.queue.filter((e) => !sent.has(e.event_id))
        this.save()
      }
    } finally {
      this.sending = false
    }
  }

  /** Stop the timer (tests, page unload after a final flush). */
  cancel(): void {
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
  }

  private schedule(delay: number): void {
    this.cancel()
    this.timer = setTimeout(() => {
      this.timer = null
      void this.flush()
    }, delay)
  }

  private save(): void {
    try {
      this.options.storage.set(STORAGE_KEYS.queue, JSON.stringify(this.queue))
    } catch {
      // storage full or unavailable: the queue still lives in memory
    }
  }

  private loadQueue(): TrackedEvent[] {
    try {
      const raw = this.options.storage.get(STORAGE_KEYS.queue)
      const parsed: unknown = raw ? JSON.parse(raw) : []
      return Array.isArray(parsed) ? (parsed as TrackedEvent[]).slice(-this.options.maxQueue) : []
    } catch {
      return []
    }
  }

  private loadAnonymousId(): string {
    const stored = this.options.storage.get(STORAGE_KEYS.anonymousId)
    if (stored && /^[A-Za-z0-9_-]{8,64}$/.test(stored)) return stored
    const id = randomId(this.options.random)
    this.options.storage.set(STORAGE_KEYS.anonymousId, id)
    return id
  }
}

export interface ExposureOptions {
  /** Share of the element that must be visible (0.5). */
  threshold?: number
  /** For how long (1000 ms). */
  minMs?: number
}

/**
 * H5: an `exposure` event once `element` has been at least half visible for a second. Returns a
 * function that stops watching. Without IntersectionObserver (the mini program) it does nothing:
 * use the page's own `createIntersectionObserver` and call `tracker.track('exposure', …)`.
 */
export function observeExposure(
  tracker: Pick<Tracker, 'track'>,
  element: Element,
  properties: Record<string, unknown>,
  { threshold = 0.5, minMs = 1000 }: ExposureOptions = {},
): () => void {
  if (typeof IntersectionObserver === 'undefined') return () => {}
  let timer: ReturnType<typeof setTimeout> | null = null
  let done = false
  const observer = new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        if (done) return
        if (entry.isIntersecting && entry.intersectionRatio >= threshold) {
          if (timer === null) {
            timer = setTimeout(() => {
              done = true
              tracker.track('exposure', { properties })
              observer.disconnect()
            }, minMs)
          }
        } else if (timer !== null) {
          clearTimeout(timer)
          timer = null
        }
      }
    },
    { threshold: [0, threshold, 1] },
  )
  observer.observe(element)
  return () => {
    if (timer !== null) clearTimeout(timer)
    observer.disconnect()
  }
}

/** localStorage as tracker storage (H5, the console). */
export function webStorage(store: Storage = globalThis.localStorage): TrackerStorage {
  return {
    get: (key) => {
      try {
        return store.getItem(key)
      } catch {
        return null
      }
    },
    set: (key, value) => {
      try {
        store.setItem(key, value)
      } catch {
        // full or private mode
      }
    },
    remove: (key) => {
      try {
        store.removeItem(key)
      } catch {
        // nothing stored
      }
    },
  }
}
