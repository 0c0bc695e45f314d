// Sensitive fields leave the storefront in an SM2 envelope (docs/security.md): what goes over
// the wire, decrypted here with the private key as the server would, and the retries.
import { sm2, sm4 } from 'sm-crypto-v2'
import { beforeEach, describe, expect, it } from 'vitest'
import { api, configureClient } from '../../src/api'
import { forgetEnvelopeKey } from '../../src/api/client'
import { fieldAad } from '../../src/api/envelope'
import { fakeBackend } from './fake-backend'

const pair = sm2.generateKeyPairHex()
const KEY = { mode: 'accept', key_id: '0123456789abcdef', public_key: pair.publicKey, window_seconds: 300 }
const ADDRESS = {
  recipient: '张三丰',
  phone: '13912345678',
  province: '广东省',
  city: '深圳市',
  district: '南山区',
  region_code: '440305',
  detail: '科技园南区深南大道10000号',
  is_default: false,
}

/** Open an envelope as core/sm2_envelope.py does. */
function open(envelope) {
  const sessionKey = sm2.doDecrypt(envelope.key, pair.privateKey, 1, { output: 'array' })
  const keyHex = Array.from(sessionKey, (b) => b.toString(16).padStart(2, '0')).join('')
  const fields = {}
  for (const [name, sealed] of Object.entries(envelope.fields)) {
    fields[name] = sm4.decrypt(sealed.slice(24, -32), keyHex, {
      mode: 'gcm',
      iv: sealed.slice(0, 24),
      tag: sealed.slice(-32),
      associatedData: fieldAad(envelope.id, envelope.ts, name),
    })
  }
  return fields
}

beforeEach(() => {
  forgetEnvelopeKey()
  configureClient({
    baseUrl: 'http://shop.test',
    envelopes: true,
    auth: { accessToken: () => 't', cartToken: () => '', refresh: async () => false, onUnauthorized: () => {} },
  })
})

describe('envelopes', () => {
  it('seals the recipient, phone and detail of an address', async () => {
    const { transport, requests } = fakeBackend({
      'GET /api/v1/envelope-key': () => KEY,
      'POST /api/v1/me/addresses': (req) => ({ status: 201, data: { id: 1, ...req.data } }),
    })
    configureClient({ transport })
    await api.addresses.create(ADDRESS)
    await api.addresses.create(ADDRESS)
    // The key is fetched once.
    expect(requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'GET http://shop.test/api/v1/envelope-key',
      'POST http://shop.test/api/v1/me/addresses',
      'POST http://shop.test/api/v1/me/addresses',
    ])
    const [first, second] = [requests[1].data, requests[2].data]
    expect(Object.keys(first).sort()).toEqual(['city', 'district', 'envelope', 'is_default', 'province', 'region_code'])
    expect(first.envelope).toMatchObject({ v: 1, kid: KEY.key_id })
    expect(first.envelope.id).toMatch(/^[0-9a-f]{32}$/)
    expect(open(first.envelope)).toEqual({ recipient: '张三丰', phone: '13912345678', detail: '科技园南区深南大道10000号' })
    expect(second.envelope.id).not.toBe(first.envelope.id)
    // No plain copy of a sealed value anywhere in the body.
    expect(JSON.stringify(first)).not.toContain('13912345678')
  })

  it('fetches the key again and reseals when the key rotated', async () => {
    let refused = false
    const { transport, requests } = fakeBackend({
      'GET /api/v1/envelope-key': () => KEY,
      'POST /api/v1/auth/sms-code': () => {
        if (!refused) {
          refused = true
          return { status: 400, data: { code: 'envelope.unknown_key' } }
        }
        return { status: 202, data: { sent: true, expires_in: 300 } }
      },
    })
    configureClient({ transport })
    await api.auth.sendSmsCode('13800138000')
    const sent = requests.filter((r) => r.method === 'POST')
    expect(requests.filter((r) => r.method === 'GET')).toHaveLength(2)
    expect(sent).toHaveLength(2)
    expect(sent[1].data.envelope.id).not.toBe(sent[0].data.envelope.id)
    expect(open(sent[1].data.envelope)).toEqual({ phone: '13800138000' })
  })

  it('sends plain fields when the shop has envelopes off or no key route', async () => {
    for (const reply of [{ ...KEY, mode: 'off', public_key: null, key_id: null }, { status: 404, data: {} }]) {
      forgetEnvelopeKey()
      const { transport, requests } = fakeBackend({
        'GET /api/v1/envelope-key': () => reply,
        'POST /api/v1/addresses/parse': () => ({ recipient: null }),
      })
      configureClient({ transport })
      await api.addresses.parse('张三 13800138000')
      expect(requests[1].data).toEqual({ text: '张三 13800138000' })
    }
  })
})
