import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { Category } from '@/api/types'
import { categoryOptions, categoryPaths } from '@/stores/catalog'
import { isFinished, percent, POLL_MS, useExportsStore } from '@/stores/exports'
import { fakeFetch } from './helpers'

// The export endpoints are planned: pretend the schema has them for this file.
vi.mock('virtual:openapi-operations', () => ({
  default: ['POST /api/v1/console/exports/orders', 'GET /api/v1/console/exports/{}'],
}))

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
    expect(percent({ status: 'pending', progress: 0, total: 0 })).toBe(0)
    expect(percent({ status: 'done', progress: 0, total: 0 })).toBe(100)
    expect(isFinished({ status: 'failed' })).toBe(true)
    expect(isFinished({ status: 'running' })).toBe(false)
  })

  it('starts a job and polls until it is done', async () => {
    const backend = fakeFetch(
      [202, { job_id: 'j1' }],
      [200, { job_id: 'j1', status: 'running', progress: 50, total: 100, download_url: null }],
      [200, { job_id: 'j1', status: 'done', progress: 100, total: 100, download_url: '/media/exports/j1.csv' }],
    )
    const store = useExportsStore()
    await store.start({ status: 'paid', q: null })
    expect(backend.calls[0]).toMatchObject({ method: 'POST', url: '/api/v1/console/exports/orders', body: { status: 'paid', q: null } })
    expect(store.job?.progress).toBe(50)
    await vi.advanceTimersByTimeAsync(POLL_MS)
    expect(store.job?.status).toBe('done')
    expect(store.job?.download_url).toBe('/media/exports/j1.csv')
    await vi.advanceTimersByTimeAsync(POLL_MS * 3)
    expect(backend.calls.map((c) => c.url)).toEqual([
      '/api/v1/console/exports/orders',
      '/api/v1/console/exports/j1',
      '/api/v1/console/exports/j1',
    ])
    expect(backend.pending()).toBe(0)
  })
})
