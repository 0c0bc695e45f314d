import { readFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { cart, cartLine, PRODUCT } from './fixtures'
import { assertBuilt, bootApp, createWx, MP_ROOT, openPage, settle, tap } from './harness'
import { LIMITS, overBudget, packageSizes, subPackages } from './packages'

const REGIONS = {
  '': [{ code: '530000', name: '云南省', has_children: true }, { code: '540000', name: '西藏自治区', has_children: true }],
  540000: [{ code: '540100', name: '拉萨市', has_children: true }],
  540100: [{ code: '540102', name: '城关区', has_children: false }, { code: '540103', name: '堆龙德庆区', has_children: false }],
}
const PARSED = {
  recipient: '扎西', phone: '13900001111', province: '西藏自治区', city: '拉萨市', district: '城关区', region_code: '540102', detail: '北京中路22号',
}
const PAGES_JSON = JSON.parse(readFileSync(join(__dirname, '../../src/pages.json'), 'utf8'))

let backend
let state
beforeAll(() => {
  assertBuilt()
  state = { lines: [] }
  backend = createWx({
    'GET /api/v1/products/101': () => PRODUCT,
    'GET /api/v1/cart': () => cart(state.lines),
    'POST /api/v1/cart/lines': (req) => {
      state.lines = [cartLine({ quantity: req.data.quantity })]
      return { statusCode: 201, data: { line: state.lines[0], line_count: 1, quantity_capped: false } }
    },
    'GET /api/v1/coupons/centre': () => ({
      items: [
        { id: 7, name: '满100减20', kind: 'threshold', threshold: 10000, amount: 2000, rate_permille: null, scope: 'all', scope_ids: [],
          is_new_customer_only: false, valid_from: null, valid_to: null, valid_days: 7, total_quota: 100, per_shopper_limit: 1,
          claimed: 40, remaining: 60, held: 0, can_claim: false },
        { id: 8, name: '8.5折', kind: 'discount', threshold: 0, amount: 3000, rate_permille: 850, scope: 'categories', scope_ids: [2],
          is_new_customer_only: true, valid_from: null, valid_to: null, valid_days: 3, total_quota: 10, per_shopper_limit: 1,
          claimed: 10, remaining: 0, held: 0, can_claim: false },
      ],
      next_cursor: null,
    }),
    'GET /api/v1/regions': (req) => ({ items: REGIONS[(req.url.split('parent_code=')[1] || '')] || [] }),
    'POST /api/v1/addresses/parse': () => PARSED,
    'PATCH /api/v1/cart/lines/1002': (req) => {
      state.lines = state.lines.map((l) => ({ ...l, ...req.data }))
      return cart(state.lines)
    },
  })
  // A returning guest: the cart token from an earlier visit is in storage.
  backend.storage.set('shoplet.cartToken', JSON.stringify('g_0123456789abcdef0123456789abcdef'))
  bootApp(backend.wx)
})

describe('mp-weixin build', () => {
  it('compiles every page of pages.json, in the main package and in each subpackage', () => {
    const app = JSON.parse(readFileSync(join(MP_ROOT, 'app.json'), 'utf8'))
    expect(app.pages).toEqual(PAGES_JSON.pages.map((p) => p.path))
    const declared = PAGES_JSON.subPackages.map((s) => ({ root: s.root, pages: s.pages.map((p) => p.path) }))
    expect(subPackages(MP_ROOT)).toEqual(declared)
    const expected = [...app.pages, ...declared.flatMap((s) => s.pages.map((p) => `${s.root}/${p}`))]
    expect(expected.length).toBe(56)
    for (const page of expected) {
      for (const ext of ['js', 'json', 'wxml', 'wxss']) {
        expect(existsSync(join(MP_ROOT, `${page}.${ext}`)), `${page}.${ext}`).toBe(true)
      }
    }
    expect(app.tabBar.list.map((t) => t.pagePath)).toEqual(['pages/index/index', 'pages/category/index', 'pages/cart/index', 'pages/me/index'])
    for (const t of app.tabBar.list) expect(existsSync(join(MP_ROOT, t.iconPath)), t.iconPath).toBe(true)
    // Product detail and the cart fetch the trade package ahead of the tap on 结算 / 立即购买.
    for (const page of ['pages/product/detail', 'pages/cart/index']) {
      expect(app.preloadRule[page]).toEqual(expect.objectContaining({ network: 'all', packages: expect.arrayContaining(['pkg-trade']) }))
    }
  })

  it('keeps each package within WeChat\'s limits (main and each subpackage 2 MB, all 20 MB)', () => {
    const sizes = packageSizes(MP_ROOT)
    expect(overBudget(sizes)).toEqual([])
    expect(Object.keys(sizes.subpackages)).toEqual(['pkg-trade', 'pkg-user', 'pkg-social', 'pkg-dist', 'pkg-live', 'pkg-flash'])
    expect(sizes.main + Object.values(sizes.subpackages).reduce((a, b) => a + b, 0)).toBe(sizes.total)
    // The check itself: a build over any limit is reported.
    expect(overBudget({ main: LIMITS.main + 1, subpackages: { 'pkg-x': LIMITS.subpackage + 1 }, total: LIMITS.total + 1 })).toHaveLength(3)
  })

  it('ships the components and helpers only one subpackage uses inside that subpackage', () => {
    const only = {
      'pkg-trade': ['components/OrderCard', 'components/StatusTimeline', 'components/Confetti', 'components/CouponSheet', 'utils/pay'],
      'pkg-user': ['components/RegionPicker', 'components/ToggleRow', 'utils/regions', 'utils/address', 'utils/coupons'],
    }
    for (const [root, files] of Object.entries(only)) {
      for (const file of files) {
        expect(existsSync(join(MP_ROOT, `${root}/${file}.js`)), `${root}/${file}.js`).toBe(true)
        expect(existsSync(join(MP_ROOT, `${file}.js`)), `${file}.js in the main package`).toBe(false)
      }
    }
  })
})

describe('product page in the simulator', () => {
  it('shows one price block, the gallery with its placeholder colour, and previews the zoom images', async () => {
    const page = await openPage('pages/product/detail', { id: '101' })
    const html = page.dom.innerHTML
    expect(html).toContain('轻薄保温杯 500ml')
    // One price block on the page (the sheet is closed): the first SKU in stock, ¥69.00.
    expect(page.querySelectorAll('.pd__price').length).toBe(1)
    expect(page.querySelector('.pd__price').dom.textContent).toBe('¥69.00')
    expect(html).toContain('360° 看')
    const slides = page.querySelectorAll('.pd__slide')
    expect(slides.length).toBe(2)
    expect(slides[0].dom.getAttribute('style')).toMatch(/background-color:\s*#(ece4d8|ECE4D8)/)
    expect(page.querySelector('.pd__count').dom.textContent).toBe('1/2')
    tap(page.querySelector('.pd__img'))
    await settle()
    const preview = backend.calls.filter((c) => c.name === 'previewImage').at(-1)
    expect(preview.opts.urls).toEqual(['/media/p/cup-1-1500.webp', '/media/p/cup-2-1500.webp'])
    // Description (sanitised HTML) through rich-text, and the 长图 under it.
    expect(page.querySelectorAll('.pd__long').length).toBe(1)
    // No glyph icons: the cart icon and the heart are images of the icon set.
    expect(html).not.toMatch(/[♥♡‹›◀▶✓]/)
  })

  it('opens the SKU sheet with stock per option, disables the sold-out one and adds to the cart', async () => {
    const page = await openPage('pages/product/detail', { id: '101' })
    tap(page.querySelector('.pd__spec-row'))
    await settle()
    const picker = page.querySelector('.pd__picker')
    expect(picker.dom.innerHTML).toContain('仅剩 3 件')
    const values = picker.querySelectorAll('.sku__value')
    expect(values.map((v) => v.dom.textContent.replace(/\s+/g, ''))).toEqual(['白色无货', '黑色', '红色仅剩3件'])
    expect(values[0].dom.className).toContain('sku__value--off')
    expect(values[0].dom.textContent).toContain('无货')
    expect(values[2].dom.textContent).toContain('仅剩 3 件')
    // White has no stock: tapping it changes nothing.
    tap(values[0])
    await settle()
    expect(page.dom.innerHTML).toContain('已选：黑色')
    expect(picker.dom.innerHTML).toContain('库存 12 件')

    const plus = picker.querySelector('.qty').querySelectorAll('.qty__btn')[1]
    tap(plus)
    await settle()
    tap(page.querySelectorAll('.pd__add').at(-1))
    await settle(80)
    const add = backend.requests.find((r) => r.key === 'POST /api/v1/cart/lines')
    expect(add.data).toEqual({ sku_id: 1002, quantity: 2 })
    expect(add.header['X-Cart-Token']).toBe('g_0123456789abcdef0123456789abcdef')
    expect(backend.calls.some((c) => c.name === 'showToast' && c.opts.title === '已加入购物车')).toBe(true)
    expect(page.querySelector('.pd__sheet')).toBeFalsy()
    expect(page.querySelector('.pd__badge').dom.textContent).toBe('2件商品在')
    expect(backend.calls.filter((c) => c.name === 'setTabBarBadge').at(-1).opts).toMatchObject({ index: 2, text: '2' })
  })

  it('switches to the video and to the 360° viewer, and turns it', async () => {
    const page = await openPage('pages/product/detail', { id: '101' })
    const tabs = page.querySelectorAll('.pd__view')
    expect(tabs.map((t) => t.dom.textContent.trim())).toEqual(['图片', '视频', '360° 看'])
    tap(tabs[1])
    await settle()
    expect(page.querySelector('.pd__video')).toBeTruthy()
    expect(page.querySelector('.pd__swiper')).toBeFalsy()
    tap(tabs[2])
    await settle()
    const spin = page.querySelector('.pd__spin')
    expect(spin.querySelector('.spin__count').dom.textContent).toBe('1/3')
    tap(spin.querySelectorAll('.spin__btn').at(-1))
    await settle()
    expect(spin.querySelector('.spin__count').dom.textContent).toBe('2/3')
  })

  it('shares the product card from the payload builder', async () => {
    const page = await openPage('pages/product/detail', { id: '101' })
    const share = page.instance.onShareAppMessage({ from: 'button' })
    expect(share).toMatchObject({ path: '/pages/product/detail?id=101', imageUrl: 'http://127.0.0.1:8000/media/p/cup-1-750.jpg' })
    expect(share.title).toContain('轻薄保温杯 500ml')
    expect(page.instance.onShareTimeline()).toMatchObject({ query: 'id=101' })
  })
})

describe('cart page in the simulator', () => {
  it('shows the line and the total, and unselects it on tap', async () => {
    state.lines = [cartLine({ quantity: 2, price: 6500, price_at_add: 6900, price_changed: true })]
    const page = await openPage('pages/cart/index')
    const html = page.dom.innerHTML
    expect(html).toContain('轻薄保温杯 500ml')
    expect(html).toContain('1 件商品价格有变化')
    expect(html).toContain('¥130.00')
    expect(html).toContain('结算(2)')

    tap(page.querySelector('.line__check'))
    await settle(80)
    const patch = backend.requests.find((r) => r.key === 'PATCH /api/v1/cart/lines/1002')
    expect(patch.data).toEqual({ selected: false })
    expect(page.dom.innerHTML).toContain('结算(0)')
    expect(page.dom.innerHTML).toContain('¥0.00')
  })
})

describe('coupon centre in the simulator', () => {
  it('shows each coupon as a card and sends a signed-out shopper to log in before a claim', async () => {
    const page = await openPage('pkg-user/coupons/centre')
    await settle(80)
    const html = page.dom.innerHTML
    expect(html).toContain('满100可用')
    expect(html).toContain('领取后7天内有效')
    expect(html).toContain('剩余 60 张')
    expect(html).toContain('8.5')
    expect(html).toContain('已抢光')
    tap(page.querySelectorAll('.ct__claim')[0])
    await settle(40)
    const nav = backend.calls.filter((c) => c.name === 'navigateTo').at(-1)
    expect(nav.opts.url).toContain('/pages/login/index?redirect=')
    expect(decodeURIComponent(nav.opts.url)).toContain('/pkg-user/coupons/centre')
    expect(backend.requests.some((r) => r.key === 'POST /api/v1/coupons/centre/7/claim')).toBe(false)
  })
})

describe('address form in the simulator', () => {
  const options = (page) => page.querySelector('.ae__picker').querySelectorAll('.rp__opt')
  const optionNames = (page) => options(page).map((n) => n.dom.textContent.trim())

  it('picks province, city and district level by level from the API', async () => {
    const page = await openPage('pkg-user/address/edit')
    await settle(80)
    expect(optionNames(page)).toEqual(['云南省', '西藏自治区'])
    tap(options(page)[1])
    await settle(80)
    expect(optionNames(page)).toEqual(['拉萨市'])
    tap(options(page)[0])
    await settle(80)
    expect(optionNames(page)).toEqual(['城关区', '堆龙德庆区'])
    tap(options(page)[0])
    await settle(80)
    expect(page.dom.innerHTML).toContain('西藏自治区 拉萨市 城关区')
    const asked = backend.requests.filter((r) => r.key === 'GET /api/v1/regions').map((r) => r.url.split('?')[1] || '')
    expect(asked).toEqual(['', 'parent_code=540000', 'parent_code=540100'])
  })

  it('fills the form by smart paste', async () => {
    const page = await openPage('pkg-user/address/edit')
    await settle(80)
    const box = page.querySelector('.ae__pasted')
    box.dispatchEvent('input', { detail: { value: '扎西 13900001111 西藏拉萨城关区北京中路22号' } })
    await settle(40)
    tap(page.querySelector('.ae__parse'))
    await settle(120)
    const parse = backend.requests.find((r) => r.key === 'POST /api/v1/addresses/parse')
    expect(parse.data).toEqual({ text: '扎西 13900001111 西藏拉萨城关区北京中路22号' })
    expect(page.dom.innerHTML).toContain('已识别：收货人、手机号、所在地区、详细地址，请核对')
    expect(page.dom.innerHTML).toContain('西藏自治区 拉萨市 城关区')
  })
})
