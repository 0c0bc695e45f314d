import { beforeEach, describe, expect, it } from 'vitest'
import { ApiError, configureClient } from '../../src/api'
import { codePrompt, passChallenge } from '../../src/api/challenge'
import { call } from '../../src/api/client'
import { fakeBackend } from './fake-backend'

const CHALLENGED = {
  status: 403,
  data: { code: 'risk.challenge_required', decision_id: 7, challenge_id: 'abcdefghijklmnop1234', methods: ['sms'] },
}

function backend(codeOk = '123456') {
  let placed = 0
  return fakeBackend({
    'POST /api/v1/orders': (req) => {
      if (req.header['X-Risk-Grant'] === 'grant-0001-abcdefgh') {
        placed += 1
        return { status: 201, data: { order_no: `N${placed}` } }
      }
      return CHALLENGED
    },
    'POST /api/v1/risk/challenges/abcdefghijklmnop1234/sms': () => ({
      status: 202,
      data: { sent: true, expires_in: 300, phone: '138****1111' },
    }),
    'POST /api/v1/risk/challenges/abcdefghijklmnop1234/verify': (req) =>
      req.data.code === codeOk
        ? { grant: 'grant-0001-abcdefgh', action: 'checkout', expires_in: 300 }
        : { status: 400, data: { code: 'risk.challenge_code_invalid' } },
  })
}

const order = () => call('createOrder', { body: { items: [{ sku_id: 1, quantity: 1 }] }, headers: { 'Idempotency-Key': 'k-00000001' } })

beforeEach(() => {
  configureClient({ baseUrl: 'http://shop.test', auth: { accessToken: () => 'token', cartToken: () => '' }, challenge: null })
})

describe('risk challenge retry', () => {
  it('sends a code, verifies it and retries the refused request once with the grant', async () => {
    const { transport, requests } = backend()
    const asked = []
    const notes = []
    configureClient({
      transport,
      challenge: (problem) =>
        passChallenge(problem, {
          ask: async (phone, retry) => {
            asked.push([phone, retry])
            return retry ? '123456' : '000000'
          },
          notify: (text) => notes.push(text),
        }),
    })

    await expect(order()).resolves.toEqual({ order_no: 'N1' })

    expect(asked).toEqual([
      ['138****1111', false],
      ['138****1111', true],
    ])
    expect(notes).toEqual(['验证码错误或已过期'])
    const paths = requests.map((r) => r.url.replace('http://shop.test/api/v1', ''))
    expect(paths).toEqual([
      '/orders',
      '/risk/challenges/abcdefghijklmnop1234/sms',
      '/risk/challenges/abcdefghijklmnop1234/verify',
      '/risk/challenges/abcdefghijklmnop1234/verify',
      '/orders',
    ])
    const retry = requests[4]
    expect(retry.header['X-Risk-Grant']).toBe('grant-0001-abcdefgh')
    expect(retry.header['Idempotency-Key']).toBe('k-00000001')
  })

  it('gives the refusal back when the shopper cancels, without a retry', async () => {
    const { transport, requests } = backend()
    configureClient({ transport, challenge: (problem) => passChallenge(problem, { ask: async () => null, notify: () => {} }) })

    const err = await order().catch((e) => e)

    expect(err).toBeInstanceOf(ApiError)
    expect(err.code).toBe('risk.challenge_required')
    expect(err.body.challenge_id).toBe('abcdefghijklmnop1234')
    expect(requests.filter((r) => r.url.endsWith('/orders'))).toHaveLength(1)
  })

  it('retries only once: a second challenge on the retry is the answer', async () => {
    const { transport, requests } = fakeBackend({ 'POST /api/v1/orders': () => CHALLENGED })
    let asked = 0
    configureClient({
      transport,
      challenge: async () => {
        asked += 1
        return 'grant-0002-abcdefgh'
      },
    })

    const err = await order().catch((e) => e)

    expect(err.code).toBe('risk.challenge_required')
    expect(asked).toBe(1)
    expect(requests).toHaveLength(2)
  })
})

describe('risk challenge dialog', () => {
  it('starts with an empty field: uni.showModal takes the content as the input value', () => {
    const first = codePrompt('138****1111', false)
    expect(first.content).toBe('')
    expect(first.placeholderText).toBe('尾号 1111 的短信验证码')
    expect(codePrompt('138****1111', true).placeholderText).toMatch(/^验证码错误/)
    expect(first.confirmColor).not.toBe('#007aff')
  })
})
