import { afterEach, describe, expect, it } from 'vitest'
import { record } from '@rrweb/record'
import { configureClient } from '../../src/api/client'
import { record as bundledRecord } from '../../src/utils/rrweb-record'
import replaySource from '../../src/utils/replay.js?raw'
import { RECORD_OPTIONS, maskText, resetReplay, startReplay, stopReplay, flushReplay, replayPageShow } from '../../src/utils/replay'
import { consentAtSignIn, getTracker } from '../../src/utils/tracking'

const PHONE = '13800138000'

describe('session replay (H5)', () => {
  afterEach(() => {
    resetReplay()
    getTracker().cancel()
    document.body.innerHTML = ''
  })

  it('masks phones in text and blanks data-pii elements', () => {
    expect(maskText(`客服 ${PHONE}`, null)).toBe('客服 138****8000')
    expect(maskText('订单 2026120512345678', null)).toBe('订单 2026120512345678')
    document.body.innerHTML = '<p data-pii><span id="n">张三</span></p>'
    expect(maskText('张三', document.getElementById('n'))).toBe('**')
  })

  it('records no typed phone, address or marked name', async () => {
    document.body.innerHTML = `
      <input id="phone" type="tel" value="">
      <textarea id="addr"></textarea>
      <p>联系我们 ${PHONE}</p>
      <div data-pii>李四</div>
      <div data-replay-block aria-label="编辑 王五 的地址">王五 广东省深圳市南山区科技园</div>`
    const events = []
    const stop = record({ ...RECORD_OPTIONS, emit: (e) => events.push(e) })
    const phone = /** @type {HTMLInputElement} */ (document.getElementById('phone'))
    phone.value = PHONE
    phone.dispatchEvent(new Event('input', { bubbles: true }))
    const addr = /** @type {HTMLTextAreaElement} */ (document.getElementById('addr'))
    addr.value = '广东省深圳市福田区'
    addr.dispatchEvent(new Event('input', { bubbles: true }))
    await new Promise((r) => setTimeout(r, 50))
    stop?.()
    const text = JSON.stringify(events)
    expect(events.some((e) => e.type === 2)).toBe(true) // a full snapshot was taken
    for (const secret of [PHONE, '广东省', '李四', '王五', '科技园']) expect(text).not.toContain(secret)
  })

  it('sends one chunk per page with its clicks, and stops on a refusal', async () => {
    consentAtSignIn()
    const sent = []
    let refuse = false
    configureClient({
      baseUrl: '',
      transport: async (req) => {
        sent.push(req)
        if (req.url.startsWith('/api/v1/replays/config')) return { status: 200, data: { record: true, flush_interval_ms: 60000 } }
        if (refuse) return { status: 413, data: { code: 'analytics.replay_full' } }
        return { status: 202, data: { recorded: true, duplicate: false } }
      },
    })
    document.body.innerHTML = '<button id="b">加入购物车</button>'
    replayPageShow('pages/index/index')
    await startReplay()
    await new Promise((r) => setTimeout(r, 50))
    document.getElementById('b').dispatchEvent(new MouseEvent('click', { bubbles: true, clientX: 10, clientY: 20 }))
    replayPageShow('pages/product/detail')
    await new Promise((r) => setTimeout(r, 10))
    const chunks = sent.filter((r) => r.url === '/api/v1/replays')
    expect(chunks).toHaveLength(1)
    expect(chunks[0].data.page).toBe('pages/index/index')
    expect(chunks[0].data.seq).toBe(0)
    expect(chunks[0].data.clicks).toHaveLength(1)
    expect(chunks[0].data.events.length).toBeGreaterThan(0)
    refuse = true
    document.getElementById('b').dispatchEvent(new MouseEvent('click', { bubbles: true }))
    await new Promise((r) => setTimeout(r, 10))
    await flushReplay()
    await flushReplay()
    expect(sent.filter((r) => r.url === '/api/v1/replays')).toHaveLength(2)
    stopReplay()
  })

  it("sends the page's JavaScript errors, masked, and how far down it was scrolled", async () => {
    consentAtSignIn()
    const sent = []
    configureClient({
      baseUrl: '',
      transport: async (req) => {
        sent.push(req)
        if (req.url.startsWith('/api/v1/replays/config')) return { status: 200, data: { record: true, flush_interval_ms: 60000 } }
        return { status: 202, data: { recorded: true, duplicate: false } }
      },
    })
    document.body.innerHTML = '<button id="b">结算</button>'
    Object.defineProperty(document.documentElement, 'scrollHeight', { configurable: true, value: 2400 })
    replayPageShow('pages/cart/cart')
    await startReplay()
    await new Promise((r) => setTimeout(r, 50))
    window.dispatchEvent(
      new ErrorEvent('error', { message: `TypeError: x is undefined ${PHONE}`, filename: 'http://shop/h5/assets/cart.js?v=3', lineno: 12, colno: 7 }),
    )
    // A picture that failed to load is not a JavaScript error.
    window.dispatchEvent(new ErrorEvent('error', {}))
    const rejection = new Event('unhandledrejection')
    Object.assign(rejection, { reason: new RangeError('库存不足') })
    window.dispatchEvent(rejection)
    window.scrollY = 900
    window.dispatchEvent(new Event('scroll'))
    window.scrollY = 100 // back up: the deepest point stays
    window.dispatchEvent(new Event('scroll'))
    // The next page is shown (its document no longer the cart's): the cart's chunk keeps the
    // cart's measures.
    Object.defineProperty(document.documentElement, 'scrollHeight', { configurable: true, value: 500 })
    replayPageShow('pages/order/confirm')
    await new Promise((r) => setTimeout(r, 10))
    const [cart] = sent.filter((r) => r.url === '/api/v1/replays').map((r) => r.data)
    expect(cart.page).toBe('pages/cart/cart')
    expect(cart.errors.map((e) => [e.message, e.source])).toEqual([
      ['TypeError: x is undefined 138****8000', 'http://shop/h5/assets/cart.js:12:7'],
      ['Unhandled rejection: RangeError: 库存不足', ''],
    ])
    expect(cart.scroll).toEqual({ depth: 900 + window.innerHeight, height: 2400, viewport: window.innerHeight, width: expect.any(Number) })
    window.scrollY = 0
    stopReplay()
  })

  it('loads the recorder through a module under src/, never a package name', () => {
    // uni-app names a lazy chunk after its folder relative to src/; a package's
    // (..-node_modules-…) was imported as a bare specifier and never loaded in the browser.
    expect(bundledRecord).toBe(record)
    const lazy = [...replaySource.matchAll(/import\(\s*['"]([^'"]+)['"]/g)].map((m) => m[1])
    expect(lazy).toEqual(['./rrweb-record'])
  })
})
