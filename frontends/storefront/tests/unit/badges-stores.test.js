import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { configureClient } from '../../src/api'
import { afterLogin, afterLogout, bootstrap } from '../../src/stores'
import { useAuthStore } from '../../src/stores/auth'
import { useCartStore } from '../../src/stores/cart'
import { useCheckoutStore } from '../../src/stores/checkout'
import { useOrdersStore } from '../../src/stores/orders'
import { fakeBackend } from './fake-backend'

const TOKENS = { access_token: 'a1', refresh_token: 'r1', token_type: 'bearer', expires_in: 900, member: { id: 5, nickname: '小王' } }
const order = (no) => ({ order_no: no, status: 'pending_payment' })
const CART = { lines: [{ sku_id: 1, quantity: 2, selected: true, price: 100 }, { sku_id: 2, quantity: 3, selected: true, price: 100 }], summary: { selected_count: 2, items_total: 500 } }

let badges
beforeEach(() => {
  setActivePinia(createPinia())
  bootstrap()
  badges = []
  globalThis.uni.setTabBarBadge = (o) => badges.push([o.index, o.text])
  globalThis.uni.removeTabBarBadge = (o) => badges.push([o.index, null])
})
afterEach(() => {
  delete globalThis.uni.setTabBarBadge
  delete globalThis.uni.removeTabBarBadge
})

function useBackend(routes) {
  const backend = fakeBackend(routes)
  configureClient({ baseUrl: '', transport: backend.transport })
  return backend
}

describe('tab badges from the stores', () => {
  it('counts the cart on 购物车 and the unpaid orders on 我的 after login, and clears both on sign-out', async () => {
    let unpaid = [order('1'), order('2')]
    const { requests } = useBackend({
      'POST /api/v1/auth/sms-login': () => TOKENS,
      'GET /api/v1/cart': () => CART,
      'GET /api/v1/orders': () => ({ items: unpaid, next_cursor: null }),
      'POST /api/v1/orders': () => ({ status: 201, data: { order_no: '3', status: 'pending_payment' } }),
      'POST /api/v1/auth/logout': () => ({ status: 204, data: null }),
    })
    await useAuthStore().smsLogin('13800000000', '123456')
    await afterLogin()
    expect(badges).toContainEqual([2, '5'])
    expect(badges.at(-1)).toEqual([3, '2'])
    const list = requests.find((r) => r.method === 'GET' && r.url.includes('/api/v1/orders'))
    expect(list.url).toContain('status=pending_payment')

    // Placing an order counts one more unpaid order.
    unpaid = [order('3'), ...unpaid]
    const checkout = useCheckoutStore()
    checkout.setAddress(9)
    await checkout.placeOrder()
    await new Promise((r) => setTimeout(r, 0))
    expect(useOrdersStore().unpaid).toBe(3)
    expect(badges.at(-1)).toEqual([3, '3'])

    await afterLogout()
    expect(badges).toContainEqual([2, null])
    expect(badges.at(-1)).toEqual([3, null])
    expect(useCartStore().count).toBe(0)
  })

  it('says N+ when there are more unpaid orders than one page', async () => {
    useBackend({ 'GET /api/v1/orders': () => ({ items: Array.from({ length: 50 }, (_, i) => order(String(i))), next_cursor: 'c' }) })
    await useOrdersStore().refreshUnpaid()
    expect(badges.at(-1)).toEqual([3, '50+'])
  })
})
