import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  cleanProperties,
  deviceBucket,
  observeExposure,
  STORAGE_KEYS,
  Tracker,
  type EventBatch,
  type TrackerOptions,
  type TrackerStorage,
} from '@shoplet/shared/tracker'

function memoryStorage(initial: Record<string, string> = {}): TrackerStorage & { data: Record<string, string> } {
  const data: Record<string, string> = { ...initial }
  return {
    data,
    get: (key) => (data[key] ?? null),
    set: (key, value) => {
      data[key] = value
    },
    remove: (key) => {
      delete data[key]
    },
  }
}

function setup(options: Partial<TrackerOptions> = {}, statuses: number[] = []) {
  const sent: EventBatch[] = []
  const tokens: (string | null)[] = []
  const storage = (options.storage as ReturnType<typeof memoryStorage>) ?? memoryStorage()
  const transport = vi.fn(async (batch: EventBatch, token: string | null) => {
    sent.push(JSON.parse(JSON.stringify(batch)))
    tokens.push(token)
    return statuses.length ? (statuses.shift() as number) : 202
  })
  const tracker = new Tracker({
    platform: 'h5',
    storage,
    transport,
    batchSize: 3,
    flushIntervalMs: 5000,
    random: () => 0.5,
    ...options,
  })
  return { tracker, sent, tokens, storage, transport }
}

describe('Tracker', () => {
  beforeEach(() => {
    vi.useFakeTimers()
    vi.setSystemTime(new Date('2026-03-02T08:00:00Z'))
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('sends a batch when it is full, and after the interval otherwise', async () => {
    const { tracker, sent } = setup()
    tracker.track('page_view', { page: 'pages/index/index' })
    tracker.track('click')
    expect(sent).toHaveLength(0)
    tracker.track('add_to_cart', { properties: { sku_id: 7 } })
    await vi.runOnlyPendingTimersAsync()
    expect(sent).toHaveLength(1)
    expect(sent[0]!.events.map((e) => e.event)).toEqual(['page_view', 'click', 'add_to_cart'])
    expect(sent[0]!.anonymous_id).toMatch(/^[A-Za-z0-9]{22}$/)
    expect(sent[0]!.platform).toBe('h5')
    expect(sent[0]!.sent_at).toBe(Date.parse('2026-03-02T08:00:00Z'))
    expect(sent[0]!.events[2]!.properties).toEqual({ sku_id: 7 })

    tracker.track('click')
    await vi.advanceTimersByTimeAsync(4999)
    expect(sent).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(sent).toHaveLength(2)
    expect(tracker.pending).toBe(0)
  })

  it('never sends a member id; the access token goes with the batch', async () => {
    const { tracker, sent, tokens } = setup({ accessToken: () => 'tok' })
    tracker.track('page_view', { properties: { member_id: 5 } })
    await tracker.flush()
    expect(tokens).toEqual(['tok'])
    expect(JSON.stringify(sent[0])).not.toContain('"member_id":5,')
    expect(Object.keys(sent[0]!)).not.toContain('member_id')
  })

  it('retries with exponential backoff on network errors, 5xx and 429, and keeps the order', async () => {
    const { tracker, sent, storage } = setup({ retryBaseMs: 1000 }, [0, 503, 429, 202])
    tracker.track('page_view')
    await tracker.flush()
    expect(sent).toHaveLength(1)
    expect(tracker.pending).toBe(1)
    // Backoff with jitter between half and all of 1 s, 2 s, 4 s (random() = 0.5: 3/4 of it).
    await vi.advanceTimersByTimeAsync(749)
    expect(sent).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(sent).toHaveLength(2)
    await vi.advanceTimersByTimeAsync(1500)
    expect(sent).toHaveLength(3)
    await vi.advanceTimersByTimeAsync(3000)
    expect(sent).toHaveLength(4)
    expect(tracker.pending).toBe(0)
    expect(new Set(sent.map((b) => b.events[0]!.event_id)).size).toBe(1)
    expect(JSON.parse(storage.data[STORAGE_KEYS.queue] ?? "null")).toEqual([])
  })

  it('drops a batch the collector refused for good (4xx)', async () => {
    const { tracker, sent } = setup({}, [422])
    tracker.track('page_view')
    await tracker.flush()
    expect(sent).toHaveLength(1)
    expect(tracker.pending).toBe(0)
    await vi.runAllTimersAsync()
    expect(sent).toHaveLength(1)
  })

  it('keeps the queue in storage across restarts (offline)', async () => {
    const storage = memoryStorage()
    const first = setup({ storage }, [0])
    first.tracker.track('page_view')
    await first.tracker.flush()
    first.tracker.cancel()
    expect(JSON.parse(storage.data[STORAGE_KEYS.queue] ?? "null")).toHaveLength(1)

    const second = setup({ storage })
    expect(second.tracker.anonymousId).toBe(first.tracker.anonymousId)
    expect(second.tracker.pending).toBe(1)
    await vi.runOnlyPendingTimersAsync()
    expect(second.sent).toHaveLength(1)
    expect(second.sent[0]!.events[0]!.event_id).toBe(first.sent[0]!.events[0]!.event_id)
  })

  it('records nothing before consent on H5, and honours an opt-out', async () => {
    const { tracker, sent, storage } = setup({ requireConsent: true })
    expect(tracker.consent).toBe('unknown')
    expect(tracker.track('page_view')).toBe(false)
    await tracker.flush()
    expect(sent).toHaveLength(0)
    tracker.setConsent(true)
    expect(tracker.track('page_view')).toBe(true)
    tracker.setConsent(false)
    expect(tracker.pending).toBe(0)
    expect(storage.data[STORAGE_KEYS.queue]).toBeUndefined()
    expect(tracker.track('click')).toBe(false)
    await vi.runAllTimersAsync()
    expect(sent).toHaveLength(0)
  })

  it('an opt-out holds without requireConsent too (mini program)', () => {
    const { tracker } = setup({ requireConsent: false })
    expect(tracker.track('page_view')).toBe(true)
    tracker.setConsent(false)
    expect(tracker.track('page_view')).toBe(false)
  })

  it('samples whole devices', () => {
    const storage = memoryStorage({ [STORAGE_KEYS.anonymousId]: 'device-abcdef' })
    const bucket = deviceBucket('device-abcdef')
    expect(setup({ storage, sampleRate: bucket + 0.01 }).tracker.track('click')).toBe(true)
    expect(setup({ storage, sampleRate: bucket - 0.01 }).tracker.track('click')).toBe(false)
  })

  it('page views carry the previous page as referrer', async () => {
    const { tracker, sent } = setup()
    tracker.pageView('pages/index/index')
    tracker.pageView('pkg-trade/product/detail')
    await tracker.flush()
    expect(sent[0]!.events.map((e) => [e.page, e.referrer])).toEqual([
      ['pages/index/index', undefined],
      ['pkg-trade/product/detail', 'pages/index/index'],
    ])
  })

  it('cleans properties to what the collector accepts', () => {
    expect(cleanProperties({ ok: 1, 'Bad Key': 2, long: 'x'.repeat(300), obj: { a: 1 }, nan: Number.NaN })).toEqual({
      ok: 1,
      long: 'x'.repeat(200),
    })
  })
})

describe('observeExposure', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => {
    vi.useRealTimers()
    vi.unstubAllGlobals()
  })

  it('tracks once after a second at least half visible, not for a glance', () => {
    let callback: IntersectionObserverCallback = () => {}
    class FakeObserver {
      constructor(cb: IntersectionObserverCallback) {
        callback = cb
      }
      observe() {}
      disconnect() {}
    }
    vi.stubGlobal('IntersectionObserver', FakeObserver)
    const track = vi.fn(() => true)
    const element = {} as Element
    observeExposure({ track }, element, { product_id: 3 })
    const see = (ratio: number) =>
      callback([{ isIntersecting: ratio > 0, intersectionRatio: ratio } as IntersectionObserverEntry], {} as IntersectionObserver)
    see(0.6)
    vi.advanceTimersByTime(900)
    see(0.2)
    vi.advanceTimersByTime(1000)
    expect(track).not.toHaveBeenCalled()
    see(0.5)
    vi.advanceTimersByTime(1000)
    expect(track).toHaveBeenCalledTimes(1)
    expect(track).toHaveBeenCalledWith('exposure', { properties: { product_id: 3 } })
  })
})
