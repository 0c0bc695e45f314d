import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { Category } from '@/api/types'
import { categoryOptions, categoryPaths } from '@/stores/catalog'
import { isFinished, percent, POLL_MS, useExportsStore } from '@/stores/exports'
import { configureClient } from '@/api/client'
import { fakeFetch } from './helpers'

const cat = (id: number, parent_id: number | null, name: string, children: Category[] = [], is_active = true): Category =>
  ({ id, parent_id, name, icon: null, sort_order: 0, is_active, children })
const TREE = [cat(1, null, '服饰', [cat(11, 1, 'T恤')]), cat(2, null, '食品', [], false)]

describe('catalog store helpers', () => {
  it('turns the category tree into cascader options and paths', () => {
    expect(categoryOptions(TREE)).toEqual([
      { value: 1, label: '服饰', children: [{ value: 11, label: 'T恤' }] },
      { value: 2, label: '食品（已停用）', disabled: true },
    ])
    expect([...categoryPaths(TREE)]).toEqual([
      [1, '服饰'],
      [11, '服饰 / T恤'],
      [2, '食品'],
    ])
  })
})

describe('exports store', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    vi.useFakeTimers()
  })
  afterEach(() => vi.useRealTimers())

  it('computes progress', () => {
    expect(percent({ status: 'running', progress: 25, total: 200 })).toBe(12)
    expect(percent({ status: 'queued', progress: 0, total: 0 })).toBe(0)
    expect(percent({ status: 'done', progress: 0, total: 0 })).toBe(100)
    expect(isFinished({ status: 'failed' })).toBe(true)
    expect(isFinished({ status: 'expired' })).toBe(true)
    expect(isFinished({ status: 'running' })).toBe(false)
  })

  const job = (status: string, progress: number) => ({
    id: 7, kind: 'orders', status, filters: { status: 'paid' }, phones_masked: true, progress, total: 100,
    size_bytes: 0, error: null, created_by: 1, created_at: '2026-11-26T02:00:00Z', started_at: null,
    finished_at: null, download_url: status === 'done' ? '/api/v1/console/exports/7/download' : null,
  })

  it('starts a job and polls until it is done', async () => {
    const backend = fakeFetch(
      [202, { job_id: 7, status: 'queued', status_url: '/api/v1/console/exports/7' }],
      [200, job('running', 50)],
      [200, job('done', 100)],
    )
    const store = useExportsStore()
    await store.start({ status: 'paid' })
    expect(backend.calls[0]).toMatchObject({ method: 'POST', url: '/api/v1/console/exports/orders', body: { status: 'paid' } })
    expect(store.job?.progress).toBe(50)
    await vi.advanceTimersByTimeAsync(POLL_MS)
    expect(store.job?.status).toBe('done')
    await vi.advanceTimersByTimeAsync(POLL_MS * 3)
    expect(backend.calls.map((c) => c.url)).toEqual([
      '/api/v1/console/exports/orders',
      '/api/v1/console/exports/7',
      '/api/v1/console/exports/7',
    ])
    expect(backend.pending()).toBe(0)
  })

  it('downloads the finished file with the staff token', async () => {
    fakeFetch([202, { job_id: 7, status: 'queued', status_url: '' }], [200, job('done', 100)])
    const store = useExportsStore()
    await store.start({})
    const csv = new Response('\ufefforder_no\n', {
      headers: { 'Content-Disposition': "attachment; filename=\"orders-7.csv\"; filename*=UTF-8''%E8%AE%A2%E5%8D%95-7.csv" },
    })
    const fetch = vi.fn(async () => csv)
    configureClient({ fetch: fetch as unknown as typeof globalThis.fetch, getToken: () => 'tok' })
    URL.createObjectURL = vi.fn(() => 'blob:csv')
    URL.revokeObjectURL = vi.fn()
    const clicked: string[] = []
    HTMLAnchorElement.prototype.click = function (this: HTMLAnchorElement) {
      clicked.push(`${this.download} ${this.href}`)
    }
    expect(await store.download()).toBe('订单-7.csv')
    expect(fetch).toHaveBeenCalledWith('/api/v1/console/exports/7/download', expect.objectContaining({
      method: 'GET', headers: { Accept: '*/*', Authorization: 'Bearer tok' },
    }))
    expect(clicked).toEqual(['订单-7.csv blob:csv'])
  })
})
