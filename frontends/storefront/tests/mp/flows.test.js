// The flows of the search, login and settings pages in the compiled mini program, and the app's
// answer to a path that is no page.
import { beforeAll, describe, expect, it } from 'vitest'
import { PRODUCT } from './fixtures'
import { assertBuilt, bootApp, createWx, openPage, settle, tap } from './harness'

let backend
beforeAll(() => {
  assertBuilt()
  const card = (i) => ({ id: 200 + i, title: `保温杯 ${i} 号`, price: 5900 + i, image: PRODUCT.images[0], sales_count: i })
  backend = createWx({
    'GET /api/v1/search': () => ({ items: Array.from({ length: 10 }, (_, i) => card(i)), next_cursor: null, total: 10, facets: null }),
    'GET /api/v1/search/hot': () => ({ queries: [] }),
    'GET /api/v1/search/suggest': () => ({ suggestions: [] }),
    'GET /api/v1/categories': () => [],
    'POST /api/v1/auth/wechat-login': () => ({
      statusCode: 200,
      data: { access_token: 'a', refresh_token: 'r', token_type: 'bearer', expires_in: 900, member: { id: 1, nickname: '微信用户' } },
    }),
    'GET /api/v1/cart': () => ({ lines: [], summary: { selected_count: 0, items_total: 0 } }),
  })
  bootApp(backend.wx)
})

describe('search page in the simulator', () => {
  it('shows the results of the query in the virtual list', async () => {
    const page = await openPage('pages/search/index', { q: encodeURIComponent('保温杯') })
    await settle(120)
    const request = backend.requests.find((r) => r.key === 'GET /api/v1/search')
    expect(request.url).toContain(`q=${encodeURIComponent('保温杯')}`)
    const html = page.dom.innerHTML
    expect(html).toContain('保温杯 0 号')
    expect(html).toContain('保温杯 9 号')
    expect(html).toContain('vl__cell')
  })
})

describe('login page in the simulator', () => {
  it('refuses WeChat sign-in until the shopper agrees', async () => {
    const page = await openPage('pages/login/index', { redirect: encodeURIComponent('/pkg-trade/checkout/index') })
    tap(page.querySelector('.lg__wx'))
    await settle(60)
    expect(backend.calls.some((c) => c.name === 'login')).toBe(false)
    expect(page.dom.innerHTML).toContain('请先阅读并勾选同意《用户协议》和《隐私政策》')

    tap(page.querySelector('.lg__check'))
    await settle()
    tap(page.querySelector('.lg__wx'))
    await settle(120)
    expect(backend.calls.some((c) => c.name === 'login')).toBe(true)
    expect(backend.requests.some((r) => r.key === 'POST /api/v1/auth/wechat-login')).toBe(true)
    // Back to where the shopper was (checkout is not a tab: redirectTo).
    const back = backend.calls.filter((c) => c.name === 'redirectTo').at(-1)
    expect(back.opts.url).toBe('/pkg-trade/checkout/index')
  })
})

describe('settings page in the simulator', () => {
  it('switches 高对比度 on, applies it to the page root and stores it', async () => {
    const page = await openPage('pkg-user/settings/index')
    const hosts = page.querySelectorAll('.st__toggle')
    // The switch's root is not reachable by selector; a tap on its text bubbles up to it.
    const switches = hosts.map((host) => host.querySelector('.tr__text'))
    expect(switches.map((s) => s.dom.textContent)).toEqual([
      expect.stringContaining('大字版'),
      expect.stringContaining('高对比度'),
      expect.stringContaining('减少动画'),
      expect.stringContaining('使用统计'),
    ])
    tap(switches[1])
    await settle()
    expect(page.dom.innerHTML).toMatch(/class="[^"]*shell[^"]*high-contrast/)
    expect(JSON.parse(backend.storage.get('shoplet.prefs')).highContrast).toBe(true)
  })
})

describe('a path from before the subpackages', () => {
  it('opens the page where it is now (WeChat onPageNotFound), and an unknown one at home', async () => {
    const app = globalThis.getApp()
    app.onPageNotFound({ path: 'pages/orders/detail', query: { order_no: 'S20260101A' }, isEntryPage: true })
    await settle()
    expect(backend.calls.filter((c) => c.name === 'redirectTo').at(-1).opts.url).toBe('/pkg-trade/orders/detail?order_no=S20260101A')
    app.onPageNotFound({ path: 'pages/gone/index', query: {}, isEntryPage: true })
    await settle()
    expect(backend.calls.filter((c) => c.name === 'switchTab').at(-1).opts.url).toBe('/pages/index/index')
  })
})
