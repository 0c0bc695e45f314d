import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { configureClient } from '../../src/api/client'
import { flushTaps, noteTap, resetTaps, sampleScroll, tapmapHide, tapmapPageShow } from '../../src/utils/tapmap'
import { consentAtSignIn, getTracker, setTrackingConsent } from '../../src/utils/tracking'

// The mini program's view of a page: its window and, per page, how far it is scrolled.
let scrollTop = 0
let scrollHeight = 2400
const saved = {}

function tap(x, y) {
  noteTap({ type: 'tap', detail: { x, y } })
}

describe('mini-program taps and depths', () => {
  let sent
  let answer

  beforeEach(() => {
    Object.assign(saved, { getWindowInfo: uni.getWindowInfo, createSelectorQuery: uni.createSelectorQuery })
    uni.getWindowInfo = () => ({ windowWidth: 375, windowHeight: 603 })
    uni.createSelectorQuery = () => ({
      selectViewport: () => ({
        scrollOffset: (cb) => ({ exec: () => cb({ scrollTop, scrollHeight }) }),
      }),
    })
    scrollTop = 0
    scrollHeight = 2400
    sent = []
    answer = { status: 202, data: { recorded: true, duplicate: false } }
    consentAtSignIn()
    configureClient({
      baseUrl: '',
      transport: async (req) => {
        sent.push(req)
        if (req.url.startsWith('/api/v1/replays/config')) return { status: 200, data: { record: true } }
        return answer
      },
    })
  })

  afterEach(() => {
    resetTaps()
    Object.assign(uni, saved)
    getTracker().cancel()
  })

  const chunks = () => sent.filter((r) => r.url === '/api/v1/replays/taps').map((r) => r.data)

  it("sends each page's taps and deepest point, the page it left first", async () => {
    await tapmapPageShow('pages/index/index')
    tap(190.4, 256.6)
    scrollTop = 900
    sampleScroll()
    scrollTop = 100 // back up: the deepest point stays
    sampleScroll()
    tap(20, 180)
    await tapmapPageShow('pages/product/detail')
    tap(300, 500)
    await flushTaps()
    const [home, detail] = chunks()
    expect(home.page).toBe('pages/index/index')
    expect(home.seq).toBe(0)
    expect(home.visit_id).toMatch(/^mp-[a-z0-9]+-[a-z0-9]{10}$/)
    expect(home.taps.map((t) => [t.x, t.y, t.width])).toEqual([
      [190, 257, 375],
      [20, 180, 375],
    ])
    expect(home.scroll).toEqual({ depth: 1503, height: 2400, viewport: 603, width: 375 })
    // The next page starts at its first screen.
    expect(detail.page).toBe('pages/product/detail')
    expect(detail.seq).toBe(1)
    expect(detail.visit_id).toBe(home.visit_id)
    expect(detail.scroll.depth).toBe(703)
    // Nothing new: nothing sent.
    await flushTaps()
    tapmapHide()
    expect(chunks()).toHaveLength(2)
  })

  it('sends nothing after an opt-out, for an unsampled device, or after a refusal', async () => {
    setTrackingConsent(false)
    await tapmapPageShow('pages/index/index')
    tap(1, 1)
    await flushTaps()
    expect(sent).toHaveLength(0)
    resetTaps()

    consentAtSignIn()
    setTrackingConsent(true)
    answer = { status: 422, data: { code: 'request.invalid' } }
    await tapmapPageShow('pages/index/index')
    tap(1, 1)
    await flushTaps()
    tap(2, 2)
    await flushTaps()
    expect(chunks()).toHaveLength(1) // the refusal stopped it

    resetTaps()
    sent.length = 0
    configureClient({
      baseUrl: '',
      transport: async (req) => {
        sent.push(req)
        return { status: 200, data: { record: false } }
      },
    })
    await tapmapPageShow('pages/index/index')
    tap(1, 1)
    await flushTaps()
    expect(chunks()).toHaveLength(0)
  })
})
