import { beforeEach, describe, expect, it } from 'vitest'
import { ApiError, configureClient } from '../../src/api'
import { codePrompt, methodPrompt, passChallenge } from '../../src/api/challenge'
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

describe('risk challenge with a passkey (H5)', () => {
  const PASSKEY = { ...CHALLENGED, data: { ...CHALLENGED.data, methods: ['sms', 'passkey'] } }
  const OPTIONS = { challenge: 'Y2hhbGxlbmdl', rpId: 'shop.test', allowCredentials: [{ id: 'a2V5', type: 'public-key' }], userVerification: 'required' }

  function passkeyBackend(verify) {
    let placed = 0
    return fakeBackend({
      'POST /api/v1/orders': (req) => {
        if (req.header['X-Risk-Grant'] === 'grant-0001-abcdefgh') {
          placed += 1
          return { status: 201, data: { order_no: `N${placed}` } }
        }
        return PASSKEY
      },
      'POST /api/v1/risk/challenges/abcdefghijklmnop1234/passkey/options': () => ({ public_key: OPTIONS, expires_in: 300 }),
      'POST /api/v1/risk/challenges/abcdefghijklmnop1234/passkey/verify': verify,
      'POST /api/v1/risk/challenges/abcdefghijklmnop1234/sms': () => ({
        status: 202,
        data: { sent: true, expires_in: 300, phone: '138****1111' },
      }),
      'POST /api/v1/risk/challenges/abcdefghijklmnop1234/verify': (req) =>
        req.data.code === '123456'
          ? { grant: 'grant-0001-abcdefgh', action: 'checkout', expires_in: 300 }
          : { status: 400, data: { code: 'risk.challenge_code_invalid' } },
    })
  }

  const paths = (requests) => requests.map((r) => r.url.replace('http://shop.test/api/v1/risk/challenges/abcdefghijklmnop1234', '').replace('http://shop.test/api/v1', ''))

  it('offers 使用通行密钥, asks the browser for an assertion and retries once with the grant', async () => {
    const { transport, requests } = passkeyBackend((req) =>
      req.data.credential.id === 'a2V5' ? { grant: 'grant-0001-abcdefgh', action: 'checkout', expires_in: 300 } : { status: 400, data: { code: 'risk.challenge_passkey_invalid' } },
    )
    const got = []
    configureClient({
      transport,
      challenge: (problem) =>
        passChallenge(problem, {
          passkeys: () => true,
          choose: async () => true,
          getPasskey: async (options) => {
            got.push(options)
            return { id: 'a2V5', type: 'public-key', response: {} }
          },
          ask: async () => {
            throw new Error('no SMS when the passkey passes')
          },
          notify: () => {},
        }),
    })

    await expect(order()).resolves.toEqual({ order_no: 'N1' })

    expect(got).toEqual([OPTIONS])
    expect(paths(requests)).toEqual(['/orders', '/passkey/options', '/passkey/verify', '/orders'])
    expect(requests[3].header['X-Risk-Grant']).toBe('grant-0001-abcdefgh')
    expect(requests[3].header['Idempotency-Key']).toBe('k-00000001')
    const prompt = methodPrompt()
    expect(prompt.confirmText).toBe('使用通行密钥')
    expect(prompt.cancelText).toBe('短信验证')
  })

  it('falls back to the SMS code when the passkey is refused', async () => {
    const { transport, requests } = passkeyBackend(() => ({ status: 400, data: { code: 'risk.challenge_passkey_invalid' } }))
    const notes = []
    configureClient({
      transport,
      challenge: (problem) =>
        passChallenge(problem, {
          passkeys: () => true,
          choose: async () => true,
          getPasskey: async () => ({ id: 'b3RoZXI', type: 'public-key', response: {} }),
          ask: async () => '123456',
          notify: (text) => notes.push(text),
        }),
    })

    await expect(order()).resolves.toEqual({ order_no: 'N1' })

    expect(notes).toEqual(['通行密钥验证未通过，请重试或改用短信验证码'])
    expect(paths(requests)).toEqual(['/orders', '/passkey/options', '/passkey/verify', '/sms', '/verify', '/orders'])
  })

  it('falls back to SMS when the browser prompt is closed, and does not offer a passkey where there is none', async () => {
    const closed = passkeyBackend(() => ({ status: 500, data: {} }))
    configureClient({
      transport: closed.transport,
      challenge: (problem) =>
        passChallenge(problem, {
          passkeys: () => true,
          choose: async () => true,
          getPasskey: async () => {
            throw new DOMException('cancelled', 'NotAllowedError')
          },
          ask: async () => '123456',
          notify: () => {},
        }),
    })
    await expect(order()).resolves.toEqual({ order_no: 'N1' })
    expect(paths(closed.requests)).toEqual(['/orders', '/passkey/options', '/sms', '/verify', '/orders'])

    // The mini program (no WebAuthn), or a shopper who picks 短信验证: straight to SMS.
    for (const ui of [{ passkeys: () => false, choose: async () => true }, { passkeys: () => true, choose: async () => false }]) {
      const sms = passkeyBackend(() => ({ status: 500, data: {} }))
      configureClient({ transport: sms.transport, challenge: (problem) => passChallenge(problem, { ...ui, ask: async () => '123456', notify: () => {} }) })
      await expect(order()).resolves.toEqual({ order_no: 'N1' })
      expect(paths(sms.requests)).toEqual(['/orders', '/sms', '/verify', '/orders'])
    }
  })

  it('asks nothing about passkeys when the challenge offers SMS only', async () => {
    const { transport } = backend()
    let chosen = 0
    configureClient({
      transport,
      challenge: (problem) =>
        passChallenge(problem, {
          passkeys: () => true,
          choose: async () => {
            chosen += 1
            return true
          },
          ask: async () => '123456',
          notify: () => {},
        }),
    })
    await expect(order()).resolves.toEqual({ order_no: 'N1' })
    expect(chosen).toBe(0)
  })
})
