// SM2 envelopes for sensitive fields (phone, address, pasted text): docs/security.md.
// A fresh SM4 key per request, SM2-encrypted (C1C3C2) with the shop's envelope key; each field
// SM4-GCM with its own nonce and an AAD binding it to its name, the envelope id and the time,
// so the server (core/sm2_envelope.py) refuses a value moved elsewhere or sent twice.
import { sm2, sm4 } from 'sm-crypto-v2'

export const ENVELOPE_VERSION = 1

/** Random bytes as hex, from sm-crypto-v2's generator (Web Crypto on H5, wx.getRandomValues in
 * the mini program): a private key is 32 random bytes. */
export function randomHex(bytes) {
  let hex = ''
  while (hex.length < bytes * 2) hex += sm2.generateKeyPairHex().privateKey
  return hex.slice(0, bytes * 2)
}

/** UTF-8 bytes (sm-crypto-v2 reads a string AAD as hex, so the AAD goes as bytes). */
export function utf8Bytes(text) {
  return sm2.hexToArray(sm2.utf8ToHex(text))
}

export function fieldAad(id, ts, name) {
  return utf8Bytes(`shoplet-envelope/v${ENVELOPE_VERSION}|${id}|${ts}|${name}`)
}

/**
 * Seal `fields` (name -> string) for the key served by GET /api/v1/envelope-key.
 * @param {{ key_id: string, public_key: string }} key
 * @param {Record<string, string>} fields
 * @param {{ now?: () => number, random?: (bytes: number) => string }} [options]
 */
export function seal(key, fields, { now = Date.now, random = randomHex } = {}) {
  const id = random(16)
  const ts = Math.floor(now() / 1000)
  const sessionKey = random(16)
  /** @type {Record<string, string>} */
  const sealed = {}
  for (const [name, value] of Object.entries(fields)) {
    const iv = random(12)
    const { output, tag } = sm4.encrypt(String(value), sessionKey, {
      mode: 'gcm',
      iv,
      associatedData: fieldAad(id, ts, name),
      output: 'string',
      outputTag: true,
    })
    sealed[name] = iv + output + tag
  }
  return {
    v: ENVELOPE_VERSION,
    kid: key.key_id,
    id,
    ts,
    key: sm2.doEncrypt(sm2.hexToArray(sessionKey), key.public_key, 1),
    fields: sealed,
  }
}

/**
 * The body to send: the `sealable` fields present as strings move into an envelope.
 * @param {Record<string, unknown>} body
 * @param {string[]} sealable
 * @param {{ key_id: string, public_key: string }} key
 */
export function sealBody(body, sealable, key, options) {
  const plain = { ...body }
  /** @type {Record<string, string>} */
  const fields = {}
  for (const name of sealable) {
    if (typeof plain[name] === 'string') {
      fields[name] = /** @type {string} */ (plain[name])
      delete plain[name]
    }
  }
  if (!Object.keys(fields).length) return body
  return { ...plain, envelope: seal(key, fields, options) }
}
