/**
 * Passkeys in the browser: the server's WebAuthn options (JSON, base64url) to the objects
 * `navigator.credentials` takes, and its answer back to JSON (`PublicKeyCredential.toJSON()`).
 */

type Json = Record<string, unknown>

export function passkeysSupported(): boolean {
  return typeof window !== 'undefined' && 'PublicKeyCredential' in window && !!navigator.credentials
}

export function fromBase64url(text: string): ArrayBuffer {
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4)
  const binary = atob(base64)
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i)
  return bytes.buffer
}

export function toBase64url(buffer: ArrayBuffer | null | undefined): string {
  if (!buffer) return ''
  const bytes = new Uint8Array(buffer)
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

interface Descriptor {
  id: string
  type: string
  transports?: string[]
}

function descriptors(list: unknown): PublicKeyCredentialDescriptor[] {
  if (!Array.isArray(list)) return []
  return (list as Descriptor[]).map((d) => ({
    id: fromBase64url(d.id),
    type: 'public-key',
    transports: d.transports as AuthenticatorTransport[] | undefined,
  }))
}

export function creationOptions(json: Json): PublicKeyCredentialCreationOptions {
  const user = json.user as { id: string; name: string; displayName: string }
  return {
    ...(json as unknown as PublicKeyCredentialCreationOptions),
    challenge: fromBase64url(json.challenge as string),
    user: { ...user, id: fromBase64url(user.id) },
    excludeCredentials: descriptors(json.excludeCredentials),
  }
}

export function requestOptions(json: Json): PublicKeyCredentialRequestOptions {
  return {
    ...(json as unknown as PublicKeyCredentialRequestOptions),
    challenge: fromBase64url(json.challenge as string),
    allowCredentials: descriptors(json.allowCredentials),
  }
}

function credentialJson(credential: PublicKeyCredential): Json {
  const response = credential.response as AuthenticatorAttestationResponse & AuthenticatorAssertionResponse
  const body: Json = { clientDataJSON: toBase64url(response.clientDataJSON) }
  if ('attestationObject' in response && response.attestationObject) {
    body.attestationObject = toBase64url(response.attestationObject)
    if (typeof response.getTransports === 'function') body.transports = response.getTransports()
  } else {
    body.authenticatorData = toBase64url(response.authenticatorData)
    body.signature = toBase64url(response.signature)
    if (response.userHandle) body.userHandle = toBase64url(response.userHandle)
  }
  return {
    id: credential.id,
    rawId: toBase64url(credential.rawId),
    type: credential.type,
    response: body,
    clientExtensionResults: credential.getClientExtensionResults(),
    authenticatorAttachment: credential.authenticatorAttachment ?? undefined,
  }
}

/** navigator.credentials.create with the server's options; the credential as JSON. */
export async function createPasskey(options: Json): Promise<Json> {
  const credential = await navigator.credentials.create({ publicKey: creationOptions(options) })
  if (!credential) throw new Error('未创建通行密钥')
  return credentialJson(credential as PublicKeyCredential)
}

/** navigator.credentials.get with the server's options; the assertion as JSON. */
export async function getPasskey(options: Json): Promise<Json> {
  const credential = await navigator.credentials.get({ publicKey: requestOptions(options) })
  if (!credential) throw new Error('未使用通行密钥')
  return credentialJson(credential as PublicKeyCredential)
}
