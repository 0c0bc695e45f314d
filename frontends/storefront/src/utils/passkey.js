// Passkeys (通行密钥) on H5: the server's WebAuthn options (JSON, base64url) to what
// navigator.credentials takes, and the browser's answer back to JSON. The mini program has no
// WebAuthn: there, passkeySupported() is false and the pages hide the feature.

export function passkeySupported() {
  // #ifdef H5
  return typeof window !== 'undefined' && !!window.PublicKeyCredential && !!navigator.credentials
  // #endif
  // #ifndef H5
  return false // eslint-disable-line no-unreachable
  // #endif
}

export function fromBase64url(text) {
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4)
  const binary = atob(base64)
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i)
  return bytes.buffer
}

export function toBase64url(buffer) {
  if (!buffer) return ''
  let binary = ''
  for (const byte of new Uint8Array(buffer)) binary += String.fromCharCode(byte)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

const descriptors = (list) =>
  (list || []).map((d) => ({ id: fromBase64url(d.id), type: 'public-key', transports: d.transports }))

function toJson(credential) {
  const r = credential.response
  const response = { clientDataJSON: toBase64url(r.clientDataJSON) }
  if (r.attestationObject) {
    response.attestationObject = toBase64url(r.attestationObject)
    if (typeof r.getTransports === 'function') response.transports = r.getTransports()
  } else {
    response.authenticatorData = toBase64url(r.authenticatorData)
    response.signature = toBase64url(r.signature)
    if (r.userHandle) response.userHandle = toBase64url(r.userHandle)
  }
  return {
    id: credential.id,
    rawId: toBase64url(credential.rawId),
    type: credential.type,
    response,
    clientExtensionResults: credential.getClientExtensionResults(),
  }
}

export async function createPasskey(options) {
  const publicKey = {
    ...options,
    challenge: fromBase64url(options.challenge),
    user: { ...options.user, id: fromBase64url(options.user.id) },
    excludeCredentials: descriptors(options.excludeCredentials),
  }
  return toJson(await navigator.credentials.create({ publicKey }))
}

export async function getPasskey(options) {
  const publicKey = {
    ...options,
    challenge: fromBase64url(options.challenge),
    allowCredentials: descriptors(options.allowCredentials),
  }
  return toJson(await navigator.credentials.get({ publicKey }))
}
