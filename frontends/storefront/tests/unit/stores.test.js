import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import { configureClient } from '../../src/api'
import { afterLogin, bootstrap } from '../../src/stores'
import { useAuthStore } from '../../src/stores/auth'
import { useCartStore } from '../../src/stores/cart'
import { useCheckoutStore } from '../../src/stores/checkout'
import { useFavoritesStore } from '../../src/stores/favorites'
import { aftersaleStatusText, orderActions, statusText, useOrdersStore } from '../../src/stores/orders'
import { usePrefsStore } from '../../src/stores/prefs'
import { liveActivity } from '../../src/utils/livePrice'
import { fakeBackend } from './fake-backend'

const TOKENS = { access_token: 'a1', refresh_token: 'r1', token_type: 'bearer', expires_in: 900, member: { id: 5, nickname: '小王', phone: '138****0000' } }
const CART = (lines) => ({
  lines,
  summary: { selected_count: lines.filter((l) => l.selected).length, items_total: lines.reduce((n, l) => n + (l.selected ? l.price * l.quantity : 0), 0) },
})
const line = (sku_id, extra = {}) => ({ sku_id, product_id: 1, title: `商品${sku_id}`, quantity: 1, selected: true, price: 1000, price_at_add: 1000, price_changed: false, available: 5, is_purchasable: true, ...extra })

function useBackend(routes) {
  const backend = fakeBackend(routes)
  configureClient({ baseUrl: '', transport: backend.transport })
  return backend
}

beforeEach(() => {
  setActivePinia(createPinia())
  bootstrap()
})

describe('auth store', () => {
  it('stores tokens from an SMS login and restores them on the next launch', async () => {
    const { requests } = useBackend({ 'POST /api/v1/auth/sms-login': () => TOKENS })
    const auth = useAuthStore()
    await auth.smsLogin('13800000000', '123456')
    // The phone would go sealed where the shop serves an envelope key; this one has none.
    const login = requests.find((r) => r.url.endsWith('/api/v1/auth/sms-login'))
    expect(login.data).toEqual({ phone: '13800000000', code: '123456' })
    expect(auth.isLoggedIn).toBe(true)
    expect(auth.displayName).toBe('小王')

    setActivePinia(createPinia())
    const { auth: again } = bootstrap()
    expect(again.accessToken).toBe('a1')
    expect(again.refreshToken).toBe('r1')
    expect(again.member.id).toBe(5)
  })

  it('logs in with the mini program code', async () => {
    const { requests } = useBackend({ 'POST /api/v1/auth/wechat-login': () => TOKENS })
    await useAuthStore().wechatLogin('test-alice')
    expect(requests[0].data).toEqual({ code: 'test-alice' })
    expect(requests[0].header.Authorization).toBeUndefined()
  })

  it('shares one refresh between concurrent 401s', async () => {
    let refreshes = 0
    useBackend({
      'POST /api/v1/auth/refresh': async () => {
        refreshes += 1
        return { ...TOKENS, access_token: 'a2', refresh_token: 'r2' }
      },
      'GET /api/v1/me': (req) => (req.header.Authorization === 'Bearer a2' ? { id: 5 } : { status: 401, data: { code: 'auth.token_expired' } }),
    })
    const auth = useAuthStore()
    auth.applyTokens(TOKENS)
    const [a, b] = await Promise.all([auth.loadMe(), auth.loadMe()])
    expect(a).toEqual({ id: 5 })
    expect(b).toEqual({ id: 5 })
    expect(refreshes).toBe(1)
    expect(auth.refreshToken).toBe('r2')
  })

  it('forgets everything when the refresh token is refused', async () => {
    useBackend({
      'POST /api/v1/auth/refresh': () => ({ status: 401, data: { code: 'auth.invalid_refresh_token' } }),
      'GET /api/v1/me': () => ({ status: 401, data: { code: 'auth.token_expired' } }),
    })
    const auth = useAuthStore()
    auth.applyTokens(TOKENS)
    await expect(auth.loadMe()).rejects.toMatchObject({ status: 401 })
    expect(auth.isLoggedIn).toBe(false)
    expect(globalThis.__storage.has('shoplet.auth')).toBe(false)
  })

  it('logs out on the server and locally', async () => {
    const { requests } = useBackend({ 'POST /api/v1/auth/logout': () => ({ status: 204, data: '' }) })
    const auth = useAuthStore()
    auth.applyTokens(TOKENS)
    await auth.logout()
    expect(requests[0].data).toEqual({ refresh_token: 'r1' })
    expect(auth.isLoggedIn).toBe(false)
  })
})

describe('cart store', () => {
  it('gives a guest a persistent cart token and sends it', async () => {
    const { requests } = useBackend({
      'POST /api/v1/cart/lines': () => ({ status: 201, data: { line: line(7, { quantity: 2 }), line_count: 1, quantity_capped: false } }),
      'GET /api/v1/cart': () => CART([line(7, { quantity: 2 })]),
    })
    const cart = useCartStore()
    expect(await cart.add(7, 2)).toEqual({ capped: false })
    expect(cart.guestToken).toMatch(/^g_[0-9a-f]{32}$/)
    expect(requests[0].header['X-Cart-Token']).toBe(cart.guestToken)
    expect(requests[0].data).toEqual({ sku_id: 7, quantity: 2 })
    expect(cart.count).toBe(2)
    expect(cart.addedTick).toBe(1)
    expect(JSON.parse(globalThis.__storage.get('shoplet.cartToken'))).toBe(cart.guestToken)
  })

  it('tells the page when a line hit the 99-unit cap, and needs no guest token once logged in', async () => {
    const { requests } = useBackend({
      'POST /api/v1/cart/lines': () => ({ status: 201, data: { line: line(7, { quantity: 99 }), line_count: 1, quantity_capped: true } }),
      'GET /api/v1/cart': () => CART([line(7, { quantity: 99 })]),
    })
    useAuthStore().applyTokens(TOKENS)
    const cart = useCartStore()
    expect(await cart.add(7, 5)).toEqual({ capped: true })
    expect(cart.guestToken).toBe('')
    expect(requests[0].header.Authorization).toBe('Bearer a1')
    expect(cart.count).toBe(99)
  })

  it('adds from a live room with the session as the line\'s price source', async () => {
    const { requests } = useBackend({
      'POST /api/v1/cart/lines': () => ({ status: 200, data: { line: line(7), line_count: 1, quantity_capped: false } }),
      'GET /api/v1/cart': () => CART([line(7, { price_label: '直播价', price_source: 'live:12' })]),
    })
    useAuthStore().applyTokens(TOKENS)
    const cart = useCartStore()
    expect(await cart.add(7, 1, liveActivity('12'))).toEqual({ capped: false })
    expect(requests[0].data).toEqual({ sku_id: 7, quantity: 1, source: { kind: 'live', id: 12 } })
    await cart.add(7, 1)
    expect(requests[2].data).toEqual({ sku_id: 7, quantity: 1 })
  })

  it('tracks selection and price changes', async () => {
    const { requests } = useBackend({
      'GET /api/v1/cart': () => CART([line(1), line(2, { selected: false, price: 1200, price_changed: true })]),
      'POST /api/v1/cart/selection': () => CART([line(1), line(2, { price: 1200, price_changed: true })]),
    })
    const cart = useCartStore()
    await cart.load()
    expect(cart.allSelected).toBe(false)
    expect(cart.changedLines.map((l) => l.sku_id)).toEqual([2])
    await cart.selectAll(true)
    expect(requests[1].data).toEqual({ selected: true })
    expect(cart.allSelected).toBe(true)
    expect(cart.summary.items_total).toBe(2200)
  })

  it('merges the guest cart after login and drops the guest token', async () => {
    const { requests } = useBackend({
      'POST /api/v1/cart/merge': () => ({ cart: CART([line(3)]), merged: 1, dropped: 0 }),
      'GET /api/v1/cart': () => CART([line(3)]),
    })
    const cart = useCartStore()
    cart.ensureGuestToken()
    const guest = cart.guestToken
    useAuthStore().applyTokens(TOKENS)
    await afterLogin()
    const merge = requests.find((r) => r.url.endsWith('/cart/merge'))
    expect(merge.data).toEqual({ guest_token: guest })
    expect(merge.header.Authorization).toBe('Bearer a1')
    expect(cart.guestToken).toBe('')
    expect(globalThis.__storage.has('shoplet.cartToken')).toBe(false)
    expect(cart.lines.map((l) => l.sku_id)).toEqual([3])
  })
})

describe('checkout store', () => {
  it('reuses the idempotency key when a submit fails and is retried', async () => {
    let attempt = 0
    const { requests } = useBackend({
      'POST /api/v1/orders': () => {
        attempt += 1
        return attempt === 1 ? { status: 0, data: { code: 'network' } } : { status: 201, data: { order_no: 'SO1' } }
      },
    })
    const checkout = useCheckoutStore()
    checkout.start({ items: [{ sku_id: 1, quantity: 2 }] })
    checkout.setAddress(9)
    checkout.remark = '  放门口  '
    await expect(checkout.placeOrder()).rejects.toMatchObject({ code: 'network' })
    const order = await checkout.placeOrder()
    expect(order.order_no).toBe('SO1')
    expect(requests[0].header['Idempotency-Key']).toBe(requests[1].header['Idempotency-Key'])
    expect(requests[0].data).toEqual({ address_id: 9, items: [{ sku_id: 1, quantity: 2 }], remark: '放门口' })
    expect(checkout.idempotencyKey).toBe('')
    expect(checkout.submitting).toBe(false)
  })

  it('previews the cart selection when no items are given', async () => {
    const preview = { lines: [], breakdown: { items_total: 100, shipping_fee: 0, discount_total: 0, payable_total: 100 }, warnings: [] }
    const { requests } = useBackend({ 'POST /api/v1/checkout/preview': () => preview })
    const checkout = useCheckoutStore()
    checkout.start()
    await checkout.loadPreview()
    expect(requests[0].data).toEqual({})
    checkout.setAddress(3)
    await checkout.loadPreview()
    expect(requests[1].data).toEqual({ address_id: 3 })
    expect(checkout.breakdown.payable_total).toBe(100)
  })

  it('checks out from a live room at the live price: the activity on the preview and the order', async () => {
    const line = { sku_id: 1, title: 'T恤', unit_price: 3900, list_price: 5900, price_label: '直播价', quantity: 2, line_total: 7800, discount: 0, payable: 7800, status: 'ok' }
    const preview = { lines: [line], items_total: 7800, shipping_fee: 0, discount_total: 0, payable_total: 7800, warnings: [], can_place_order: true }
    const { requests } = useBackend({
      'POST /api/v1/checkout/preview': () => preview,
      'POST /api/v1/orders': () => ({ status: 201, data: { order_no: 'SO2', items_total: 7800 } }),
    })
    const checkout = useCheckoutStore()
    checkout.start({ items: [{ sku_id: 1, quantity: 2 }], activity: liveActivity('12') })
    checkout.setAddress(9)
    await checkout.loadPreview()
    const activity = { kind: 'live', id: 12 }
    expect(requests[0].data).toEqual({ address_id: 9, items: [{ sku_id: 1, quantity: 2 }], activity })
    expect(checkout.preview.lines[0]).toMatchObject({ unit_price: 3900, list_price: 5900, price_label: '直播价' })
    await checkout.placeOrder()
    expect(requests[1].data).toEqual({ address_id: 9, items: [{ sku_id: 1, quantity: 2 }], activity })

    // The cart is never bought at a room's price.
    checkout.start({ activity })
    await checkout.loadPreview()
    const previews = requests.filter((r) => r.url.endsWith('/api/v1/checkout/preview'))
    expect(previews.at(-1).data).toEqual({ address_id: 9 })
  })
})

describe('orders store', () => {
  it('polls until the payment notify has marked the order paid', async () => {
    const statuses = ['pending_payment', 'pending_payment', 'paid']
    useBackend({ 'GET /api/v1/orders/SO1': () => ({ order_no: 'SO1', status: statuses.shift() }) })
    const order = await useOrdersStore().waitUntilPaid('SO1', { sleep: async () => {} })
    expect(order.status).toBe('paid')
    expect(statuses).toEqual([])
  })

  it('offers the actions that fit the status', () => {
    expect(orderActions('pending_payment')).toEqual({ pay: true, cancel: true, confirm: false, aftersale: false })
    expect(orderActions('shipped')).toEqual({ pay: false, cancel: false, confirm: true, aftersale: true })
    expect(orderActions('cancelled')).toEqual({ pay: false, cancel: false, confirm: false, aftersale: false })
    expect(statusText('paid')).toBe('待发货')
    // A paid membership plan has nothing to ship.
    expect(statusText('paid', true)).toBe('已开通')
    expect(statusText('refunded', true)).toBe('已退款')
    expect(aftersaleStatusText('requested')).toBe('待处理')
  })
})

describe('favorites store', () => {
  it('asks the backend whether a product is a favourite', async () => {
    useBackend({
      'GET /api/v1/me/favorites/8': () => ({ product_id: 8, favorited: true }),
      'GET /api/v1/me/favorites/9': () => ({ product_id: 9, favorited: false }),
    })
    const favs = useFavoritesStore()
    expect(await favs.check(8)).toBe(true)
    expect(await favs.check(9)).toBe(false)
    expect(favs.ids).toEqual(['8'])
  })

  it('fills the heart at once and reverts when the backend refuses', async () => {
    useBackend({
      'PUT /api/v1/me/favorites/8': () => ({ status: 204, data: '' }),
      'PUT /api/v1/me/favorites/9': () => ({ status: 404, data: { code: 'catalog.product_not_found' } }),
    })
    const favs = useFavoritesStore()
    expect(await favs.toggle(8)).toBe(true)
    expect(favs.has(8)).toBe(true)
    await expect(favs.toggle(9)).rejects.toMatchObject({ code: 'catalog.product_not_found' })
    expect(favs.has(9)).toBe(false)
  })

  it('keeps a heart filled while an answer asked before the tap comes back late', async () => {
    let answer
    const pending = new Promise((resolve) => (answer = resolve))
    useBackend({
      'GET /api/v1/me/favorites/8': () => pending,
      'GET /api/v1/me/favorites': () => pending.then(() => ({ items: [] })),
      'PUT /api/v1/me/favorites/8': () => ({ status: 204, data: '' }),
    })
    const favs = useFavoritesStore()
    const checking = favs.check(8)
    const listing = favs.load()
    expect(await favs.toggle(8)).toBe(true)
    answer({ product_id: 8, favorited: false })
    expect(await checking).toBe(true)
    await listing
    expect(favs.ids).toEqual(['8'])
  })
})

describe('prefs store', () => {
  it('keeps elder mode across launches', () => {
    const prefs = usePrefsStore()
    expect(prefs.shellClass).toEqual({ elder: false, 'high-contrast': false, 'reduce-motion': false })
    prefs.setElderMode(true)
    setActivePinia(createPinia())
    const { prefs: again } = bootstrap()
    expect(again.elderMode).toBe(true)
    expect(again.shellClass.elder).toBe(true)
  })

  it('remembers ten searches, newest first, without duplicates', () => {
    const prefs = usePrefsStore()
    for (let i = 0; i < 12; i++) prefs.remember(`q${i}`)
    prefs.remember('q5')
    prefs.remember('   ')
    expect(prefs.searchHistory).toEqual(['q5', 'q11', 'q10', 'q9', 'q8', 'q7', 'q6', 'q4', 'q3', 'q2'])
    prefs.clearHistory()
    expect(prefs.searchHistory).toEqual([])
  })

  it('reduces motion when the shopper asks', () => {
    const prefs = usePrefsStore()
    prefs.setReduceMotion(true)
    expect(prefs.motionReduced).toBe(true)
  })
})
