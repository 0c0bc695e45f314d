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

export type QueryValue = string | number | boolean | null | undefined
export interface CallOptions {
  params?: Record<string, string | number>
  query?: Record<string, QueryValue>
  body?: unknown
  form?: FormData
  headers?: Record<string, string>
  signal?: AbortSignal
  /** Send without the bearer token (sign-in). */
  anonymous?: boolean
}

interface ClientConfig {
  getToken: () => string | null
  /** Called on a 401 for a request that carried a token (expired or revoked session). */
  onUnauthorized: (error: ApiError) => void
  fetch: typeof fetch
}

const config: ClientConfig = {
  getToken: () => null,
  onUnauthorized: () => undefined,
  fetch: (...args) => globalThis.fetch(...args),
}

export function configureClient(options: Partial<ClientConfig>): void {
  Object.assign(config, options)
}

export function buildQuery(query: Record<string, QueryValue> = {}): string {
  const search = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue
    search.append(key, String(value))
  }
  const text = search.toString()
  return text ? `?${text}` : ''
}

export async function call<T>(operation: Operation, options: CallOptions = {}): Promise<T> {
  if (!isAvailable(operation)) throw new OperationUnavailable(operation)
  const url = buildPath(operation.path, options.params) + buildQuery(options.query)
  const headers: Record<string, string> = { Accept: 'application/json', ...options.headers }
  const token = options.anonymous ? null : config.getToken()
  if (token) headers.Authorization = `Bearer ${token}`
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
  if (response.status === 204) return undefined as T
  const text = await response.text()
  let payload: unknown = undefined
  if (text) {
    try {
      payload = JSON.parse(text)
    } catch {
      payload = { title: text.slice(0, 200) }
    }
  }
  if (!response.ok) {
    const problem: Problem =
      payload && typeof payload === 'object' ? (payload as Problem) : { title: response.statusText }
    const error = new ApiError(response.status, problem)
    if (response.status === 401 && token) config.onUnauthorized(error)
    throw error
  }
  return payload as T
}
