import { afterEach, describe, expect, it, vi } from 'vitest'
import { configureClient } from '../../src/api/client'
import { consentAtSignIn, flushTracking, getTracker, setTrackingConsent, track, trackingAllowed, trackPageShow } from '../../src/utils/tracking'

const QUEUE = 'shoplet.tracker.queue'
const CONSENT = 'shoplet.tracker.consent'

function queued() {
  const raw = globalThis.__storage.get(QUEUE)
  return raw ? JSON.parse(raw) : []
}

describe('storefront tracking (H5)', () => {
  afterEach(() => {
    getTracker().cancel()
    vi.unstubAllGlobals()
  })

  it('records nothing before consent, then page views, add to cart and the sign-in link', async () => {
    expect(trackingAllowed()).toBe(false)
    track('add_to_cart', { properties: { sku_id: 1 } })
    expect(queued()).toEqual([])

    consentAtSignIn()
    expect(globalThis.__storage.get(CONSENT)).toBe('granted')
    vi.stubGlobal('getCurrentPages', () => [{ route: 'pages/product/detail', options: { id: '12' } }])
    trackPageShow()
    trackPageShow() // the page's components see the same onShow
    track('add_to_cart', { properties: { sku_id: 3, quantity: 1 } })
    const events = queued()
    expect(events.map((e) => e.event)).toEqual(['page_view', 'add_to_cart'])
    expect(events[0].page).toBe('pages/product/detail')
    expect(events[0].properties).toEqual({ product_id: 12 })

    const sent = []
    configureClient({
      baseUrl: '',
      transport: async (req) => {
        sent.push(req)
        return { status: 202, data: { accepted: 2, dropped: 0 } }
      },
    })
    await flushTracking()
    expect(sent).toHaveLength(1)
    expect(sent[0].url).toBe('/api/v1/events')
    expect(sent[0].method).toBe('POST')
    expect(sent[0].data.platform).toBe('h5')
    expect(sent[0].data.events).toHaveLength(2)
    expect(queued()).toEqual([])
  })

  it('a share landing and a campaign link mark their page views', () => {
    consentAtSignIn()
    vi.stubGlobal('getCurrentPages', () => [{ route: 'pkg-social/share/index', options: { scene: 'Ab12Cd34Ef' } }])
    trackPageShow()
    vi.stubGlobal('getCurrentPages', () => [
      { route: 'pages/product/detail', options: { id: '7', utm_source: 'wechat', utm_campaign: 'spring%20sale', campaign: '3' } },
    ])
    trackPageShow()
    vi.stubGlobal('getCurrentPages', () => [{ route: 'pkg-social/share/index', options: { scene: 'bad code!' } }])
    trackPageShow()
    const [landing, product, bad] = queued().slice(-3)
    expect(landing.share_code).toBe('Ab12Cd34Ef')
    expect(product.properties).toEqual({ product_id: 7, utm_source: 'wechat', utm_campaign: 'spring sale', campaign: '3' })
    expect(product.share_code).toBeUndefined()
    expect(bad.share_code).toBeUndefined()
  })

  it('an opt-out stays through the next sign-in', () => {
    setTrackingConsent(false)
    consentAtSignIn()
    expect(globalThis.__storage.get(CONSENT)).toBe('denied')
    expect(trackingAllowed()).toBe(false)
    track('click')
    expect(queued()).toEqual([])
  })
})
