// 订阅消息 prompts (src/utils/subscribe.js; the mini program's branch, as vitest reads the
// conditional-compilation comments as plain comments): template ids cached, the answers posted,
// and a dismissed prompt, a refused call or a failed request never rejecting.
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { configureClient } from '../../src/api'
import {
  answersOf,
  askSubscribe,
  loadSubscribeTemplates,
  resetSubscribeCache,
  settled,
  subjectOf,
  TEMPLATES_TTL_MS,
  templateIdsFor,
} from '../../src/utils/subscribe'
import { fakeBackend } from './fake-backend'

const TEMPLATES = 'GET /api/v1/subscribe-templates'
const ANSWERS = 'POST /api/v1/me/subscriptions'
const ROWS = [
  { event: 'payment_success', template_id: 'pay-1' },
  { event: 'shipped', template_id: 'ship-1' },
  { event: 'back_in_stock', template_id: 'stock-1' },
  { event: 'price_drop', template_id: 'drop-1' },
  { event: 'groupbuy_result', template_id: 'group-1' },
  { event: 'points_expiring', template_id: 'points-1' },
]

function useBackend(routes) {
  const backend = fakeBackend(routes)
  configureClient({ baseUrl: '', transport: backend.transport })
  return backend
}

let asked
function wechatAnswers(answer) {
  asked = []
  globalThis.uni.requestSubscribeMessage = (opts) => {
    asked.push(opts.tmplIds)
    setTimeout(() => answer(opts), 0)
  }
}

beforeEach(() => resetSubscribeCache())
afterEach(() => delete globalThis.uni.requestSubscribeMessage)

describe('subscribe-message prompts', () => {
  it('fetches the templates once per TTL and asks for the cached ids', async () => {
    const { requests } = useBackend({ [TEMPLATES]: () => ROWS, [ANSWERS]: (req) => ({ credits: req.data.results }) })
    expect(templateIdsFor(['payment_success'])).toEqual([]) // nothing cached yet
    await Promise.all([loadSubscribeTemplates(1000), loadSubscribeTemplates(1000)])
    await loadSubscribeTemplates(1000 + TEMPLATES_TTL_MS - 1)
    expect(requests.filter((r) => r.url.endsWith('/subscribe-templates'))).toHaveLength(1)
    expect(templateIdsFor(['payment_success', 'shipped', 'refund'])).toEqual(['pay-1', 'ship-1'])

    wechatAnswers((opts) => opts.success({ errMsg: 'requestSubscribeMessage:ok', 'pay-1': 'accept', 'ship-1': 'reject', other: 'accept' }))
    const answers = await askSubscribe(['payment_success', 'shipped'])
    expect(asked).toEqual([['pay-1', 'ship-1']])
    expect(answers).toEqual({ 'pay-1': 'accept', 'ship-1': 'reject' })
    await new Promise((r) => setTimeout(r, 10))
    const posted = requests.filter((r) => r.url.endsWith('/me/subscriptions'))
    expect(posted.map((r) => r.data)).toEqual([{ results: { 'pay-1': 'accept', 'ship-1': 'reject' } }])
  })

  it('resolves quietly when the shopper dismisses it, WeChat refuses or the post fails', async () => {
    const { requests } = useBackend({
      [TEMPLATES]: () => ROWS,
      [ANSWERS]: () => ({ status: 400, data: { code: 'notification.template_unknown', title: 'x', status: 400 } }),
    })
    await loadSubscribeTemplates()
    wechatAnswers((opts) => opts.fail({ errMsg: 'requestSubscribeMessage:fail can only be invoked by user TAP gesture.', errCode: 20004 }))
    expect(await askSubscribe(['back_in_stock'])).toEqual({})
    globalThis.uni.requestSubscribeMessage = () => {
      throw new Error('not supported')
    }
    expect(await askSubscribe(['back_in_stock'])).toEqual({})
    wechatAnswers((opts) => opts.success({ errMsg: 'requestSubscribeMessage:ok', 'stock-1': 'accept' }))
    expect(await askSubscribe(['back_in_stock'])).toEqual({ 'stock-1': 'accept' })
    await new Promise((r) => setTimeout(r, 10))
    expect(requests.filter((r) => r.url.endsWith('/me/subscriptions'))).toHaveLength(1) // refused, swallowed
  })

  it('asks nothing before the ids are known or when the templates cannot be read', async () => {
    const { requests } = useBackend({ [TEMPLATES]: () => ({ status: 500, data: { title: 'down', status: 500 } }) })
    wechatAnswers((opts) => opts.success({}))
    expect(await askSubscribe(['payment_success'])).toEqual({})
    expect(await loadSubscribeTemplates()).toEqual({})
    expect(asked).toEqual([])
    expect(requests.length).toBeGreaterThan(0)
  })

  it('never waits long for an unanswered prompt', async () => {
    const never = new Promise(() => {})
    expect(await settled(never, 5)).toEqual({})
    expect(answersOf({ a: 'accept', b: 'weird' }, ['a', 'b', 'c'])).toEqual({ a: 'accept' })
  })

  it('posts what a reminder is for with the answers: the SKU of 到货提醒, the product of 降价提醒', async () => {
    const { requests } = useBackend({ [TEMPLATES]: () => ROWS, [ANSWERS]: () => ({ credits: {} }) })
    await loadSubscribeTemplates()
    wechatAnswers((opts) => opts.success({ 'stock-1': 'accept', 'drop-1': 'accept' }))
    expect(await askSubscribe(['back_in_stock'], { sku_id: 41 })).toEqual({ 'stock-1': 'accept' })
    expect(await askSubscribe(['price_drop'], { product_id: '7' })).toEqual({ 'drop-1': 'accept' })
    expect(await askSubscribe(['price_drop'], { product_id: undefined })).toEqual({ 'drop-1': 'accept' })
    await new Promise((r) => setTimeout(r, 10))
    const posted = requests.filter((r) => r.url.endsWith('/me/subscriptions')).map((r) => r.data)
    expect(posted).toEqual([
      { results: { 'stock-1': 'accept' }, sku_id: 41 },
      { results: { 'drop-1': 'accept' }, product_id: 7 },
      { results: { 'drop-1': 'accept' } },
    ])
    expect(subjectOf({ sku_id: 0, product_id: -3 })).toEqual({})
    expect(subjectOf({ sku_id: 'x', product_id: 2.5 })).toEqual({})
  })
})

// Each tap that offers a template asks first thing (WeChat refuses a prompt after an await) and
// never waits for the answer before doing what the tap does.
const TAPS = [
  ['src/pages/product/detail.vue', 'onRemind', "'back_in_stock'"],
  ['src/pages/product/detail.vue', 'onPriceDrop', "'price_drop'"],
  ['src/pkg-social/group/index.vue', 'join', "'groupbuy_result'"],
  ['src/components/GroupBuyBanner.vue', 'openGroup', "'groupbuy_result'"],
  ['src/pkg-user/points/index.vue', 'onRemind', "'points_expiring'"],
  ['src/pkg-user/points/signin.vue', 'signIn', "'points_expiring'"],
  ['src/pkg-trade/checkout/index.vue', 'submit', "'payment_success'"],
]

describe('where shoppers accept templates', () => {
  it.each(TAPS)('%s %s asks inside the tap before any await', (file, handler, event) => {
    const text = readFileSync(resolve(__dirname, '../..', file), 'utf8')
    const start = text.search(new RegExp(`(async )?function ${handler}\\(`))
    expect(start, handler).toBeGreaterThan(-1)
    const body = text.slice(start, text.indexOf('\n}\n', start))
    const ask = body.indexOf('askSubscribe([')
    expect(ask, handler).toBeGreaterThan(-1)
    expect(body.slice(ask, ask + 60)).toContain(event)
    const firstAwait = body.indexOf('await ')
    expect(firstAwait === -1 || firstAwait > ask, `${handler}: an await before the prompt`).toBe(true)
    // The prompt is never awaited on its own: at most through settled(), which gives up in time.
    expect(body).not.toMatch(/await askSubscribe/)
  })
})
