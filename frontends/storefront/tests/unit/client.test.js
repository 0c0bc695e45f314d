import { beforeEach, describe, expect, it } from 'vitest'
import { api, ApiError, configureClient } from '../../src/api'
import { buildQuery, call, fillPath } from '../../src/api/client'
import { fakeBackend } from './fake-backend'

let tokens
beforeEach(() => {
  tokens = { access: '', cart: '', refreshed: 0, unauthorized: 0 }
  configureClient({
    baseUrl: 'http://shop.test',
    auth: {
      accessToken: () => tokens.access,
      cartToken: () => tokens.cart,
      refresh: async () => {
        tokens.refreshed += 1
        tokens.access = 'fresh'
        return true
      },
      onUnauthorized: () => (tokens.unauthorized += 1),
    },
  })
})

describe('api client', () => {
  it('builds URLs from operations.json', async () => {
    const { transport, requests } = fakeBackend({ 'GET /api/v1/products': () => ({ items: [], next_cursor: null }) })
    configureClient({ transport })
    await api.catalog.products({ q: '手机 壳', sort: 'sales', min_price: 0, cursor: undefined, category_id: '' })
    expect(requests[0].url).toBe('http://shop.test/api/v1/products?q=%E6%89%8B%E6%9C%BA%20%E5%A3%B3&sort=sales&min_price=0')
    expect(requests[0].method).toBe('GET')
    expect(requests[0].header.Authorization).toBeUndefined()
  })

  it('fills and escapes path parameters, and refuses missing ones', () => {
    expect(fillPath('/api/v1/orders/{order_no}/pay', { order_no: 'A/1' })).toBe('/api/v1/orders/A%2F1/pay')
    expect(() => fillPath('/api/v1/products/{product_id}', {})).toThrow('missing path parameter product_id')
    expect(buildQuery({ a: null, b: '', c: 0 })).toBe('?c=0')
  })

  it('refuses fields that operations.json does not declare (so the contract test sees them)', async () => {
    await expect(call('addCartLine', { body: { sku_id: 1, quantity: 1, price: 1 } })).rejects.toThrow(
      'addCartLine: body field "price" is not declared',
    )
    await expect(call('listProducts', { query: { page: 2 } })).rejects.toThrow('query field "page"')
    await expect(call('nope')).rejects.toThrow('unknown operation nope')
  })

  it('sends the bearer token, or the guest cart token on cart calls only', async () => {
    const { transport, requests } = fakeBackend({
      'GET /api/v1/cart': () => ({ lines: [] }),
      'GET /api/v1/me': () => ({ id: 1 }),
    })
    configureClient({ transport })
    tokens.cart = 'g_1'
    await api.cart.get()
    await api.me.get()
    expect(requests[0].header['X-Cart-Token']).toBe('g_1')
    expect(requests[1].header['X-Cart-Token']).toBeUndefined()
    tokens.access = 'acc'
    await api.cart.get()
    expect(requests[2].header.Authorization).toBe('Bearer acc')
    expect(requests[2].header['X-Cart-Token']).toBeUndefined()
  })

  it('sends the Idempotency-Key header when placing an order', async () => {
    const { transport, requests } = fakeBackend({ 'POST /api/v1/orders': () => ({ status: 201, data: { order_no: 'N1' } }) })
    configureClient({ transport })
    tokens.access = 'acc'
    const order = await api.checkout.placeOrder({ address_id: 7 }, 'ck_abc')
    expect(order).toEqual({ order_no: 'N1' })
    expect(requests[0].header['Idempotency-Key']).toBe('ck_abc')
    expect(requests[0].header['Content-Type']).toBe('application/json')
    expect(requests[0].data).toEqual({ address_id: 7 })
  })

  it('turns problem+json into ApiError with the stable code', async () => {
    const { transport } = fakeBackend({
      'POST /api/v1/cart/lines': () => ({
        status: 409,
        data: { type: 'about:blank', title: 'Not enough stock', status: 409, detail: '库存不足', code: 'inventory.insufficient' },
      }),
    })
    configureClient({ transport })
    const err = await api.cart.add(5, 3).catch((e) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect(err.status).toBe(409)
    expect(err.code).toBe('inventory.insufficient')
    expect(err.message).toBe('可售库存不足')
  })

  it('reports network failures as code "network"', async () => {
    configureClient({ transport: async () => ({ status: 0, data: { code: 'network', detail: 'request:fail' } }) })
    const err = await api.catalog.categories().catch((e) => e)
    expect(err.status).toBe(0)
    expect(err.code).toBe('network')
  })

  it('refreshes once on 401 and retries with the new token', async () => {
    const seen = []
    const { transport } = fakeBackend({
      'GET /api/v1/me': (req) => {
        seen.push(req.header.Authorization)
        return req.header.Authorization === 'Bearer fresh' ? { id: 9 } : { status: 401, data: { code: 'auth.token_expired' } }
      },
    })
    configureClient({ transport })
    tokens.access = 'stale'
    expect(await api.me.get()).toEqual({ id: 9 })
    expect(seen).toEqual(['Bearer stale', 'Bearer fresh'])
    expect(tokens.refreshed).toBe(1)
    expect(tokens.unauthorized).toBe(0)
  })

  it('gives up after one refresh and tells the app', async () => {
    const { transport } = fakeBackend({ 'GET /api/v1/me': () => ({ status: 401, data: { code: 'auth.invalid_token' } }) })
    configureClient({ transport })
    tokens.access = 'stale'
    const err = await api.me.get().catch((e) => e)
    expect(err.code).toBe('auth.invalid_token')
    expect(tokens.refreshed).toBe(1)
    expect(tokens.unauthorized).toBe(1)
  })

  it('returns undefined for 204', async () => {
    const { transport } = fakeBackend({ 'DELETE /api/v1/me/addresses/3': () => ({ status: 204, data: '' }) })
    configureClient({ transport })
    tokens.access = 'acc'
    expect(await api.addresses.remove(3)).toBeUndefined()
  })
})

describe('downloads (invoices as PDF or OFD)', () => {
  function fakeDownloads(statusCode = 200) {
    const requests = []
    globalThis.uni.downloadFile = (options) => {
      requests.push(options)
      options.success({ statusCode, tempFilePath: 'blob:http://shop.test/1' })
    }
    return requests
  }

  it('asks for the OFD with the shopper token and the format in the query', async () => {
    const requests = fakeDownloads()
    tokens.access = 'shopper'
    await expect(api.invoices.ofd('FP0123456789ABCDEF01')).resolves.toBe('blob:http://shop.test/1')
    expect(requests[0].url).toBe('http://shop.test/api/v1/invoices/FP0123456789ABCDEF01/download?format=ofd')
    expect(requests[0].header.Authorization).toBe('Bearer shopper')
    await api.invoices.pdf('FP0123456789ABCDEF01')
    expect(requests[1].url).toBe('http://shop.test/api/v1/invoices/FP0123456789ABCDEF01/pdf')
  })

  it('rejects with the stable code of a refused download, and undeclared query fields', async () => {
    fakeDownloads(400)
    await expect(api.invoices.ofd('FP0123456789ABCDEF01')).rejects.toMatchObject({ status: 400, code: 'invoicing.format_unknown' })
    fakeDownloads(409)
    await expect(api.invoices.ofd('FP0123456789ABCDEF01')).rejects.toMatchObject({ status: 409, code: 'invoicing.pdf_not_ready' })
    const { download } = await import('../../src/api/client')
    expect(() => download('downloadInvoice', { params: { invoice_no: 'FP0123456789ABCDEF01' }, query: { kind: 'x' } })).toThrow(
      'query field "kind"',
    )
  })
})
