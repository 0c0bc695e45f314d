// The one HTTP client of the storefront. Every call names an operation from operations.json, so
// the set of backend endpoints the app uses is data that a test checks against the OpenAPI schema.
import { errorText } from '@shoplet/shared'
import OPERATIONS from './operations.json'
// #ifndef H5
import * as bundledEnvelope from './envelope'
// #endif

export { OPERATIONS }

/** A problem+json error from the backend (or a network failure: status 0, code "network"). */
export class ApiError extends Error {
  constructor({ status, code, title, detail, body }) {
    // Chinese first: the shared glossary's message for the code, else the problem's own text.
    super(errorText(code) || detail || title || code || `HTTP ${status}`)
    this.name = 'ApiError'
    this.status = status
    this.code = code || `http.${status}`
    this.title = title || ''
    this.detail = detail || ''
    this.body = body
  }
}

function defaultBaseUrl() {
  // H5 is served by the backend itself (same origin). The mini program needs an absolute HTTPS
  // URL, set at build time with VITE_API_BASE (docs/storefront.md).
  let base = import.meta.env.VITE_API_BASE || ''
  // #ifdef MP-WEIXIN
  base = base || 'http://127.0.0.1:8000'
  // #endif
  return base
}

/**
 * The URL of an image the API serves (badges, the mascot): same origin in H5, the API's origin
 * in the mini program.
 * @param {string} path
 */
export function assetUrl(path) {
  if (!path || /^https?:/.test(path)) return path || ''
  const base = config.baseUrl === undefined ? defaultBaseUrl() : config.baseUrl
  return (base || '') + path
}

/**
 * The WebSocket URL of an API path: the API's origin with ws(s):// (same origin in H5). Tokens
 * never go in it (they would be logged): a socket authenticates with its first frame.
 * @param {string} path
 */
export function socketUrl(path) {
  const base = config.baseUrl === undefined ? defaultBaseUrl() : config.baseUrl
  if (base) return base.replace(/^http/, 'ws') + path
  const loc = globalThis.location
  return `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}${path}`
}

/**
 * The default transport: uni.request, which is wx.request in the mini program and XHR in H5.
 * @param {{ url: string, method: any, header: any, data: any, abort?: { aborted: boolean, onAbort: (fn: () => void) => void } }} req
 */
export function uniTransport({ url, method, header, data, abort }) {
  return new Promise((resolve) => {
    const task = uni.request({
      url,
      method,
      header,
      data,
      dataType: 'json',
      success: (res) => resolve({ status: res.statusCode, data: res.data, headers: res.header }),
      fail: (err) =>
        resolve({ status: 0, data: { code: abort && abort.aborted ? 'aborted' : 'network', detail: err && err.errMsg } }),
    })
    // A superseded search stops its request (RequestTask.abort on both platforms).
    if (abort) abort.onAbort(() => task && typeof task.abort === 'function' && task.abort())
  })
}

/**
 * The default uploader: uni.uploadFile (wx.uploadFile in the mini program, a multipart XHR of the
 * chosen file's blob in H5). Its answer is text: parsed here.
 * @param {{ url: string, filePath: string, name: string, header: any, onProgress?: (percent: number) => void }} req
 */
export function uniUploader({ url, filePath, name, header, onProgress }) {
  return new Promise((resolve) => {
    const task = uni.uploadFile({
      url,
      filePath,
      name,
      header,
      success: (res) => {
        /** @type {any} */
        let data = res.data
        try {
          data = typeof data === 'string' && data ? JSON.parse(data) : data
        } catch {
          data = {}
        }
        resolve({ status: res.statusCode, data })
      },
      fail: (err) => resolve({ status: 0, data: { code: 'network', detail: err && err.errMsg } }),
    })
    // 上传进度 (a video is up to 50 MB): percent 0–100 as the bytes leave.
    if (onProgress && task && typeof task.onProgressUpdate === 'function') {
      task.onProgressUpdate((p) => onProgress(p.progress))
    }
  })
}

const config = {
  baseUrl: undefined,
  transport: uniTransport,
  uploader: uniUploader,
  // Set by the auth store (stores/auth.js) so this module depends on no store.
  auth: {
    accessToken: () => '',
    cartToken: () => '',
    refresh: async () => false,
    onUnauthorized: () => {},
  },
  // Seal the fields an operation lists as "sealed" when the shop serves an envelope key.
  envelopes: true,
  // Answers a risk challenge (403 risk.challenge_required with a challenge_id): resolves with a
  // grant for one retry, or null when the shopper gives up. Set by the app (api/challenge.js).
  /** @type {((problem: any) => Promise<string | null>) | null} */
  challenge: null,
}

// The shop's envelope key (GET /api/v1/envelope-key), fetched once; a shop without the route or
// with envelopes off gives null (fields go plain). A network failure is not remembered.
/** @type {Promise<any> | null} */
let envelopeKey = null

export function forgetEnvelopeKey() {
  envelopeKey = null
}

function currentEnvelopeKey() {
  if (!envelopeKey) {
    const base = config.baseUrl === undefined ? defaultBaseUrl() : config.baseUrl
    const request = config.transport({
      url: base + OPERATIONS.getEnvelopeKey.path,
      method: 'GET',
      header: { Accept: 'application/json' },
      data: undefined,
    })
    envelopeKey = request.then(
      (res) => {
        if (res.status === 0) envelopeKey = null
        const key = res.status === 200 && res.data ? res.data : null
        return key && key.mode !== 'off' && key.public_key ? key : null
      },
      () => {
        envelopeKey = null
        return null
      },
    )
  }
  return envelopeKey
}

/** The sealing code (SM2 and SM4 from sm-crypto-v2): a chunk of its own on H5, loaded by the
 * first sealed call, so pages that send nothing sensitive do not download it. */
async function envelopeModule() {
  /** @type {any} */
  let loaded = null
  // #ifdef H5
  loaded = await import('./envelope')
  // #endif
  // #ifndef H5
  loaded = bundledEnvelope
  // #endif
  return loaded
}

// A key that rotated away or a clock far off: fetch the key again and seal once more.
const RESEAL = new Set(['envelope.unknown_key', 'envelope.expired'])

export function configureClient(options) {
  Object.assign(config, options)
  if (options.auth) config.auth = { ...config.auth, ...options.auth }
}

export function buildQuery(query) {
  if (!query) return ''
  const parts = []
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue
    // A list is the key repeated (recent=3&recent=1), as FastAPI reads list parameters.
    const values = Array.isArray(value) ? value : [value]
    for (const one of values) parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(String(one))}`)
  }
  return parts.length ? `?${parts.join('&')}` : ''
}

export function fillPath(template, params = {}) {
  return template.replace(/\{(\w+)\}/g, (_, name) => {
    const value = params[name]
    if (value === undefined || value === null || value === '') {
      throw new Error(`missing path parameter ${name} for ${template}`)
    }
    return encodeURIComponent(String(value))
  })
}

function checkFields(name, kind, allowed, given) {
  if (!given) return
  for (const key of Object.keys(given)) {
    if (!allowed || !allowed.includes(key)) {
      throw new Error(`${name}: ${kind} field "${key}" is not declared in operations.json`)
    }
  }
}

/**
 * @typedef {object} CallOptions
 * @property {Record<string, string | number>} [params] path parameters
 * @property {Record<string, unknown>} [query] query parameters (empty values are left out)
 * @property {any} [body] the JSON body
 * @property {Record<string, string>} [headers] extra request headers
 * @property {boolean} [auth] send the shopper's token (default true)
 * @property {{ aborted: boolean, onAbort: (fn: () => void) => void }} [abort] cancels the request
 */

/**
 * Call one operation: `call('getProduct', { params: { product_id: 1 } })`.
 * Resolves with the parsed JSON body (undefined for 204); rejects with ApiError.
 * @param {string} name an operation of operations.json
 * @param {CallOptions} [options]
 * @returns {Promise<any>}
 */
export async function call(name, { params, query, body, headers, auth = true, abort } = {}) {
  const op = OPERATIONS[name]
  if (!op || name.startsWith('_')) throw new Error(`unknown operation ${name}`)
  checkFields(name, 'query', op.query, query)
  checkFields(name, 'body', op.body, body)
  const base = config.baseUrl === undefined ? defaultBaseUrl() : config.baseUrl
  const url = base + fillPath(op.path, params) + buildQuery(query)
  const sealing = Boolean(config.envelopes && op.sealed && body && typeof body === 'object')
  const send = async () => {
    /** @type {Record<string, string>} */
    const header = { Accept: 'application/json', ...headers }
    if (body !== undefined) header['Content-Type'] = 'application/json'
    const token = auth ? config.auth.accessToken() : ''
    if (token) header.Authorization = `Bearer ${token}`
    const cartToken = config.auth.cartToken()
    if (!token && cartToken && op.path.startsWith('/api/v1/cart')) header['X-Cart-Token'] = cartToken
    // Sealed afresh for every send: an envelope is accepted once.
    const key = sealing ? await currentEnvelopeKey() : null
    const data = key ? (await envelopeModule()).sealBody(body, op.sealed, key) : body
    return config.transport({ url, method: op.method, header, data, ...(abort ? { abort } : {}) })
  }
  let res = await send()
  if (sealing && res.status === 400 && res.data && RESEAL.has(res.data.code)) {
    forgetEnvelopeKey()
    res = await send()
  }
  if (res.status === 401 && auth && config.auth.accessToken()) {
    // One silent refresh, then give up and let the app ask the shopper to log in again.
    if (await config.auth.refresh()) res = await send()
    if (res.status === 401) config.auth.onUnauthorized()
  }
  if (
    res.status === 403 &&
    res.data &&
    res.data.code === 'risk.challenge_required' &&
    res.data.challenge_id &&
    config.challenge &&
    !(headers && headers['X-Risk-Grant'])
  ) {
    // The risk engine wants a challenge: the shopper answers it, then one retry with the grant.
    const grant = await config.challenge(res.data)
    if (grant) {
      headers = { ...headers, 'X-Risk-Grant': grant }
      res = await send()
    }
  }
  if (res.status >= 200 && res.status < 300) {
    return res.status === 204 || res.data === '' ? undefined : res.data
  }
  const problem = res.data && typeof res.data === 'object' ? res.data : {}
  throw new ApiError({
    status: res.status,
    code: problem.code || (res.status === 0 ? 'network' : undefined),
    title: problem.title,
    detail: problem.detail,
    body: problem,
  })
}

/**
 * Upload one local file (a path from uni.chooseImage) to an operation declaring `"upload": "<field>"`.
 * Resolves with the parsed JSON body; rejects with ApiError.
 * @param {string} name an operation of operations.json
 * @param {{ filePath: string, query?: Record<string, unknown>, auth?: boolean, onProgress?: (percent: number) => void }} options
 * @returns {Promise<any>}
 */
export async function upload(name, { filePath, query, auth = true, onProgress }) {
  const op = OPERATIONS[name]
  if (!op || name.startsWith('_') || !op.upload) throw new Error(`unknown upload operation ${name}`)
  checkFields(name, 'query', op.query, query)
  const base = config.baseUrl === undefined ? defaultBaseUrl() : config.baseUrl
  /** @type {Record<string, string>} */
  const header = { Accept: 'application/json' }
  const token = auth ? config.auth.accessToken() : ''
  if (token) header.Authorization = `Bearer ${token}`
  const res = await config.uploader({ url: base + op.path + buildQuery(query), filePath, name: op.upload, header, onProgress })
  if (res.status >= 200 && res.status < 300) return res.data
  const problem = res.data && typeof res.data === 'object' ? res.data : {}
  throw new ApiError({
    status: res.status,
    code: problem.code || (res.status === 0 ? 'network' : undefined),
    title: problem.title,
    detail: problem.detail,
    body: problem,
  })
}

const DOWNLOAD_CODES = { 400: 'invoicing.format_unknown', 409: 'invoicing.pdf_not_ready' }

/**
 * Download what an operation answers (a PDF, an OFD) with the shopper's token: uni.downloadFile,
 * which is wx.downloadFile in the mini program and an XHR to a blob URL in H5. Resolves with the
 * local path (the blob URL in H5); rejects with ApiError (409 invoicing.pdf_not_ready, 400
 * invoicing.format_unknown: a download answers no problem body to read the code from).
 * @param {string} name an operation of operations.json
 * @param {{ params?: Record<string, string | number>, query?: Record<string, unknown> }} options
 * @returns {Promise<string>}
 */
export function download(name, { params, query } = {}) {
  const op = OPERATIONS[name]
  if (!op || name.startsWith('_')) throw new Error(`unknown operation ${name}`)
  checkFields(name, 'query', op.query, query)
  const base = config.baseUrl === undefined ? defaultBaseUrl() : config.baseUrl
  /** @type {Record<string, string>} */
  const header = {}
  const token = config.auth.accessToken()
  if (token) header.Authorization = `Bearer ${token}`
  return new Promise((resolve, reject) => {
    uni.downloadFile({
      url: base + fillPath(op.path, params) + buildQuery(query),
      header,
      success: (res) => {
        if (res.statusCode >= 200 && res.statusCode < 300) resolve(res.tempFilePath)
        else {
          const code = DOWNLOAD_CODES[res.statusCode]
          reject(new ApiError({ status: res.statusCode, code, title: undefined, detail: undefined, body: {} }))
        }
      },
      fail: (err) =>
        reject(new ApiError({ status: 0, code: 'network', title: undefined, detail: err && err.errMsg, body: {} })),
    })
  })
}
