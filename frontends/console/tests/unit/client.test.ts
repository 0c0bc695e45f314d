import { afterEach, describe, expect, it, vi } from 'vitest'
import { ApiError, buildQuery, call, configureClient, dispositionFilename, OperationUnavailable } from '@/api/client'
import { consoleApi } from '@/api/console'
import { buildPath, OPS, type Operation } from '@/api/operations'
import { fakeFetch, problem, tokenResponse } from './helpers'

afterEach(() => configureClient({ getToken: () => null, onUnauthorized: () => undefined }))

describe('api client', () => {
  it('signs in anonymously with a JSON body', async () => {
    configureClient({ getToken: () => 'stale' })
    const backend = fakeFetch([200, tokenResponse()])
    const result = await consoleApi.login({ username: 'boss', password: 'pw-1234567890', otp: '123456' })
    expect(result.staff.username).toBe('boss')
    expect(backend.calls).toEqual([
      {
        method: 'POST',
        url: '/api/v1/console/auth/login',
        headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
        body: { username: 'boss', password: 'pw-1234567890', otp: '123456' },
      },
    ])
  })

  it('sends the bearer token, path parameters and query', async () => {
    configureClient({ getToken: () => 'tok' })
    const backend = fakeFetch([200, { id: 5 }], [200, { items: [], next_cursor: null }])
    await consoleApi.updateStaff(5, { role: 'support' })
    await consoleApi.auditLog({ action: 'product.create', staff_id: null, cursor: undefined, limit: 20 })
    expect(backend.calls.map((c) => [c.method, c.url, c.headers.Authorization])).toEqual([
      ['PATCH', '/api/v1/console/staff/5', 'Bearer tok'],
      ['GET', '/api/v1/console/audit-log?action=product.create&limit=20', 'Bearer tok'],
    ])
    expect(backend.calls[0]!.body).toEqual({ role: 'support' })
  })

  it('turns problem+json into ApiError with the stable code', async () => {
    fakeFetch(problem(409, 'console.last_owner', 'The shop must keep at least one active owner'))
    const error = await consoleApi.updateStaff(1, { role: 'support' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect((error as ApiError).status).toBe(409)
    expect((error as ApiError).code).toBe('console.last_owner')
    expect((error as ApiError).message).toBe('The shop must keep at least one active owner')
  })

  it('reports an expired session once, only for requests that carried a token', async () => {
    const onUnauthorized = vi.fn()
    configureClient({ getToken: () => 'expired', onUnauthorized })
    fakeFetch(problem(401, 'auth.unauthorized'), problem(401, 'console.invalid_credentials'))
    await expect(consoleApi.me()).rejects.toMatchObject({ code: 'auth.unauthorized' })
    await expect(consoleApi.login({ username: 'x', password: 'y' })).rejects.toMatchObject({
      code: 'console.invalid_credentials',
    })
    expect(onUnauthorized).toHaveBeenCalledTimes(1)
  })

  it('maps network failures to a network.error ApiError', async () => {
    configureClient({ fetch: vi.fn(async () => Promise.reject(new TypeError('Failed to fetch'))) })
    await expect(consoleApi.me()).rejects.toMatchObject({ status: 0, code: 'network.error' })
  })

  it('refuses an operation the backend schema lacks, without a request', async () => {
    const backend = fakeFetch()
    const ghost: Operation = { method: 'DELETE', path: '/api/v1/console/nothing/{id}', planned: true }
    await expect(call(ghost, { params: { id: 1 } })).rejects.toBeInstanceOf(OperationUnavailable)
    expect(backend.fetch).not.toHaveBeenCalled()
  })

  it('reads download file names', () => {
    expect(dispositionFilename(`attachment; filename="a.csv"; filename*=UTF-8''%E8%AE%A2%E5%8D%95.csv`, 'x')).toBe('订单.csv')
    expect(dispositionFilename('attachment; filename="orders-1.csv"', 'x')).toBe('orders-1.csv')
    expect(dispositionFilename(null, 'x')).toBe('x')
  })

  it('builds paths and queries', () => {
    expect(buildPath(OPS.updateStaff.path, { staff_id: 42 })).toBe('/api/v1/console/staff/42')
    expect(buildPath('/x/{no}', { no: 'a/b c' })).toBe('/x/a%2Fb%20c')
    expect(() => buildPath('/x/{no}')).toThrow('missing path parameter no')
    expect(buildQuery({ q: '连衣裙', empty: '', none: null, n: 0, flag: false })).toBe(
      '?q=%E8%BF%9E%E8%A1%A3%E8%A3%99&n=0&flag=false',
    )
    expect(buildQuery({})).toBe('')
    expect(buildQuery({ event: ['page_view', 'pay_click'], none: [] })).toBe('?event=page_view&event=pay_click')
  })
})
