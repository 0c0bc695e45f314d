/**
 * The one HTTP client of the console: bearer token, JSON in and out, problem+json errors.
 *
 * Only operations declared in `OPS` (operations.ts) can be called, and a planned operation the
 * backend schema lacks is refused before any request is sent.
 */
import { buildPath, isAvailable, operationKey, type Operation } from './operations'

/** RFC 9457 problem details as Shoplet renders them. */
export interface Problem {
  type?: string
  title?: string
  status?: number
  detail?: string | null
  code?: string
  errors?: unknown
  [key: string]: unknown
}

export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly problem: Problem

  constructor(status: number, problem: Problem) {
    super(problem.detail || problem.title || `HTTP ${status}`)
    this.name = 'ApiError'
    this.status = status
    this.code = problem.code ?? `http.${status}`
    this.problem = problem
  }
}

/** Thrown instead of calling an operation the backend schema does not have (yet). */
export class OperationUnavailable extends Error {
  constructor(readonly operation: Operation) {
    super(`后端尚未提供接口 ${operationKey(operation)}`)
    this.name = 'OperationUnavailable'
  }
}

/** A query parameter; a list repeats the parameter once per item (``?event=a&event=b``). */
export type QueryValue = string | number | boolean | null | undefined | readonly (string | number)[]
export interface CallOptions {
  params?: Record<string, string | number>
  query?: Record<string, QueryValue>
  body?: unknown
  form?: FormData
  headers?: Record<string, string>
  signal?: AbortSignal
  /** Send without the bearer token (sign-in). */
  anonymous?: boolean
  /** Do not open the step-up dialog on `auth.step_up_required` (the step-up call itself). */
  noStepUp?: boolean
}

interface ClientConfig {
  getToken: () => string | null
  /** Called on a 401 for a request that carried a token (expired or revoked session). */
  onUnauthorized: (error: ApiError) => void
  /** A live step-up grant, sent as X-Step-Up-Token with every request while it lasts. */
  getStepUpToken: () => string | null
  /**
   * Called on 403 `auth.step_up_required`: confirm it is the staff member (the step-up dialog)
   * and resolve with a grant, or null when they cancel; the request is then sent once more.
   */
  onStepUpRequired: ((error: ApiError) => Promise<string | null>) | null
  fetch: typeof fetch
}

export const STEP_UP_HEADER = 'X-Step-Up-Token'
export const STEP_UP_REQUIRED = 'auth.step_up_required'

const config: ClientConfig = {
  getToken: () => null,
  onUnauthorized: () => undefined,
  getStepUpToken: () => null,
  onStepUpRequired: null,
  fetch: (...args) => globalThis.fetch(...args),
}

export function configureClient(options: Partial<ClientConfig>): void {
  Object.assign(config, options)
}

export function buildQuery(query: Record<string, QueryValue> = {}): string {
  const search = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue
    if (Array.isArray(value)) {
      for (const item of value as readonly (string | number)[]) search.append(key, String(item))
    } else {
      search.append(key, String(value))
    }
  }
  const text = search.toString()
  return text ? `?${text}` : ''
}

async function send(operation: Operation, options: CallOptions): Promise<Response> {
  try {
    return await sendOnce(operation, options)
  } catch (error) {
    if (!(error instanceof ApiError) || error.code !== STEP_UP_REQUIRED) throw error
    if (options.noStepUp || !config.onStepUpRequired) throw error
    const grant = await config.onStepUpRequired(error)
    if (!grant) throw error
    return sendOnce(operation, { ...options, headers: { ...options.headers, [STEP_UP_HEADER]: grant } })
  }
}

async function sendOnce(operation: Operation, options: CallOptions): Promise<Response> {
  if (!isAvailable(operation)) throw new OperationUnavailable(operation)
  const url = buildPath(operation.path, options.params) + buildQuery(options.query)
  const headers: Record<string, string> = { Accept: 'application/json', ...options.headers }
  const token = options.anonymous ? null : config.getToken()
  if (token) headers.Authorization = `Bearer ${token}`
  const grant = token ? config.getStepUpToken() : null
  if (grant && !headers[STEP_UP_HEADER]) headers[STEP_UP_HEADER] = grant
  let body: BodyInit | undefined
  if (options.form) {
    body = options.form
  } else if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json'
    body = JSON.stringify(options.body)
  }
  let response: Response
  try {
    response = await config.fetch(url, {
      method: operation.method,
      headers,
      body,
      signal: options.signal,
    })
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error
    throw new ApiError(0, { title: '网络错误，请检查连接后重试', code: 'network.error' })
  }
  if (!response.ok) {
    const text = await response.text()
    let problem: Problem = { title: response.statusText }
    try {
      const parsed: unknown = JSON.parse(text)
      if (parsed && typeof parsed === 'object') problem = parsed as Problem
    } catch {
      if (text) problem = { title: text.slice(0, 200) }
    }
    const error = new ApiError(response.status, problem)
    if (response.status === 401 && token) config.onUnauthorized(error)
    throw error
  }
  return response
}

export async function call<T>(operation: Operation, options: CallOptions = {}): Promise<T> {
  const response = await send(operation, options)
  if (response.status === 204) return undefined as T
  const text = await response.text()
  return (text ? JSON.parse(text) : undefined) as T
}

/**
 * Open a streamed answer (server-sent events) with the staff token: an `EventSource` cannot
 * send the bearer header, `fetch` can and hands the body over as it arrives. Same errors and
 * 401 handling as `call`; the caller reads `response.body` and aborts through `signal`.
 */
export async function openStream(operation: Operation, options: CallOptions = {}): Promise<Response> {
  const response = await send(operation, { ...options, headers: { ...options.headers, Accept: 'text/event-stream' } })
  if (!response.body) throw new ApiError(0, { title: '浏览器不支持流式读取', code: 'network.stream_unsupported' })
  return response
}

/**
 * Upload a multipart form with progress (fetch reports none): `onProgress` gets the fraction
 * sent, 0..1. Same token, errors and 401 handling as `call`.
 */
export function uploadForm<T>(
  operation: Operation,
  form: FormData,
  onProgress: (fraction: number) => void,
): Promise<T> {
  if (!isAvailable(operation)) return Promise.reject(new OperationUnavailable(operation))
  const token = config.getToken()
  return new Promise<T>((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open(operation.method, buildPath(operation.path))
    xhr.setRequestHeader('Accept', 'application/json')
    if (token) xhr.setRequestHeader('Authorization', `Bearer ${token}`)
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) onProgress(event.loaded / event.total)
    }
    xhr.onerror = () => reject(new ApiError(0, { title: '网络错误，请检查连接后重试', code: 'network.error' }))
    xhr.onload = () => {
      let parsed: unknown = undefined
      try {
        parsed = xhr.responseText ? JSON.parse(xhr.responseText) : undefined
      } catch {
        parsed = undefined
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(1)
        resolve(parsed as T)
        return
      }
      const problem: Problem =
        parsed && typeof parsed === 'object' ? (parsed as Problem) : { title: xhr.statusText || xhr.responseText.slice(0, 200) }
      const error = new ApiError(xhr.status, problem)
      if (xhr.status === 401 && token) config.onUnauthorized(error)
      reject(error)
    }
    xhr.send(form)
  })
}

/** The file name of a Content-Disposition header (RFC 6266 `filename*` preferred). */
export function dispositionFilename(header: string | null, fallback: string): string {
  if (!header) return fallback
  const star = /filename\*=UTF-8''([^;]+)/i.exec(header)
  if (star?.[1]) return decodeURIComponent(star[1])
  const plain = /filename="?([^";]+)"?/i.exec(header)
  return plain?.[1] ?? fallback
}

/** Fetch a file with the staff token as an object URL (an image to show); revoke it when done. */
export async function objectUrl(operation: Operation, options: CallOptions = {}): Promise<string> {
  const response = await send(operation, { ...options, headers: { Accept: '*/*' } })
  return URL.createObjectURL(await response.blob())
}

/** Fetch a file with the staff token (a plain link would not carry it) and save it. */
export async function download(operation: Operation, options: CallOptions = {}): Promise<string> {
  const response = await send(operation, { ...options, headers: { Accept: '*/*' } })
  const name = dispositionFilename(response.headers.get('Content-Disposition'), 'download')
  const url = URL.createObjectURL(await response.blob())
  try {
    const link = document.createElement('a')
    link.href = url
    link.download = name
    document.body.appendChild(link)
    link.click()
    link.remove()
  } finally {
    setTimeout(() => URL.revokeObjectURL(url), 10_000)
  }
  return name
}
