// 订阅消息 in the compiled mini program: a sold-out product offers 到货提醒, which asks
// wx.requestSubscribeMessage for the shop's back-in-stock template (ids read once from
// GET /subscribe-templates) and posts the answers, with the SKU, to POST /me/subscriptions; a dismissed prompt
// posts nothing and breaks nothing. A product on sale offers 降价提醒, posted with the product.
import { beforeAll, describe, expect, it } from 'vitest'
import { PRODUCT } from './fixtures'
import { assertBuilt, bootApp, createWx, openPage, settle, tap } from './harness'

const SOLD_OUT = { ...PRODUCT, skus: PRODUCT.skus.map((s) => ({ ...s, available: 0 })) }
let backend
let prompts
let answer

beforeAll(() => {
  assertBuilt()
  backend = createWx({
    'GET /api/v1/products/101': () => SOLD_OUT,
    'GET /api/v1/products/102': () => ({ ...PRODUCT, id: 102 }),
    'GET /api/v1/cart': () => ({ lines: [], summary: { selected_count: 0, items_total: 0 } }),
    'GET /api/v1/subscribe-templates': () => [
      { event: 'payment_success', template_id: 'pay-1' },
      { event: 'back_in_stock', template_id: 'stock-1' },
      { event: 'price_drop', template_id: 'drop-1' },
    ],
    'POST /api/v1/me/subscriptions': (req) => ({ credits: { 'stock-1': req.data.results['stock-1'] === 'accept' ? 1 : 0 } }),
  })
  prompts = []
  answer = (opts) => opts.fail({ errMsg: 'requestSubscribeMessage:fail cancel' })
  backend.wx.requestSubscribeMessage = (opts) => {
    prompts.push(opts.tmplIds)
    setTimeout(() => answer(opts), 0)
  }
  backend.storage.set('shoplet.auth', JSON.stringify({ accessToken: 'a', refreshToken: 'r' }))
  bootApp(backend.wx)
})

const posted = () => backend.requests.filter((r) => r.key === 'POST /api/v1/me/subscriptions')

describe('到货提醒 in the mini program', () => {
  it('asks for the back-in-stock template and records the answer; a dismissed prompt sends nothing', async () => {
    const page = await openPage('pages/product/detail', { id: '101' })
    await settle(60)
    expect(page.dom.innerHTML).toContain('已售罄')
    const remind = page.querySelector('.pd__remind')
    expect(remind).toBeTruthy()

    tap(remind)
    await settle(60)
    expect(prompts).toEqual([['stock-1']])
    expect(posted()).toHaveLength(0)

    answer = (opts) => opts.success({ errMsg: 'requestSubscribeMessage:ok', 'stock-1': 'accept' })
    tap(remind)
    await settle(60)
    expect(prompts).toEqual([['stock-1'], ['stock-1']])
    // The accept waits for this product's SKU (the chosen one, else the first).
    expect(posted().map((r) => r.data)).toEqual([{ results: { 'stock-1': 'accept' }, sku_id: expect.any(Number) }])
    expect(PRODUCT.skus.map((s) => s.id)).toContain(posted()[0].data.sku_id)
    const toast = backend.calls.filter((c) => c.name === 'showToast').at(-1)
    expect(toast.opts.title).toBe('到货后将通过微信提醒你')
    // The template ids were read once.
    expect(backend.requests.filter((r) => r.key === 'GET /api/v1/subscribe-templates')).toHaveLength(1)
  })

  it('offers 降价提醒 on a product on sale and records the accept for that product', async () => {
    const page = await openPage('pages/product/detail', { id: '102' })
    await settle(60)
    expect(page.querySelector('.pd__remind')).toBeFalsy()
    const drop = page.querySelector('.pd__drop')
    expect(drop).toBeTruthy()
    prompts.length = 0
    answer = (opts) => opts.success({ errMsg: 'requestSubscribeMessage:ok', 'drop-1': 'accept' })
    tap(drop)
    await settle(60)
    expect(prompts).toEqual([['drop-1']])
    expect(posted().at(-1).data).toEqual({ results: { 'drop-1': 'accept' }, product_id: 102 })
    const toast = backend.calls.filter((c) => c.name === 'showToast').at(-1)
    expect(toast.opts.title).toBe('降价后将通过微信提醒你')
  })
})
