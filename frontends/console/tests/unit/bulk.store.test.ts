import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { BULK_POLL_MS, bulkFinished, bulkPercent, rowErrors, useBulkStore } from '@/stores/bulk'
import { fakeFetch } from './helpers'

const job = (status: string, progress: number, result = { changed: progress, unchanged: 0, failed: [] }) => ({
  id: 9, kind: 'unpublish', status, params: {}, progress, total: 2, result, error: null, created_by: 1,
  created_at: '2026-12-03T02:00:00Z', started_at: null, finished_at: null,
})

describe('bulk jobs store', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    vi.useFakeTimers()
  })
  afterEach(() => vi.useRealTimers())

  it('computes progress', () => {
    expect(bulkPercent({ status: 'running', progress: 1, total: 3 })).toBe(33)
    expect(bulkPercent({ status: 'queued', progress: 0, total: 0 })).toBe(0)
    expect(bulkPercent({ status: 'done', progress: 0, total: 0 })).toBe(100)
    expect(bulkFinished({ status: 'failed' })).toBe(true)
    expect(bulkFinished({ status: 'running' })).toBe(false)
  })

  it('queues a job and polls it until done, then reports the result once', async () => {
    const backend = fakeFetch([202, job('queued', 0)], [200, job('running', 1)], [200, job('done', 2)])
    const store = useBulkStore()
    const finished = vi.fn()
    await store.start({ action: 'unpublish', product_ids: [3, 4] }, finished)
    expect(backend.calls[0]).toMatchObject({
      method: 'POST',
      url: '/api/v1/console/products/bulk-jobs',
      body: { action: 'unpublish', product_ids: [3, 4] },
    })
    expect(store.job?.status).toBe('queued')
    await vi.advanceTimersByTimeAsync(BULK_POLL_MS)
    expect(store.job?.progress).toBe(1)
    expect(finished).not.toHaveBeenCalled()
    await vi.advanceTimersByTimeAsync(BULK_POLL_MS)
    expect(store.job?.status).toBe('done')
    await vi.advanceTimersByTimeAsync(BULK_POLL_MS * 3)
    expect(finished).toHaveBeenCalledTimes(1)
    expect(backend.pending()).toBe(0)
  })

  it('keeps the rows a refused request lists', async () => {
    const errors = [{ row: 3, code: 'bulk.negative_stock', detail: 'stock must not be negative' }]
    fakeFetch([400, { title: 'x', status: 400, detail: '1 row', code: 'catalog.bulk_input_invalid', errors }])
    const store = useBulkStore()
    const refused = await store.importStock(new File(['sku_id,stock\n1,-1\n'], 'stock.csv')).catch((e: unknown) => e)
    expect(rowErrors(refused)).toEqual(errors)
    expect(rowErrors(new Error('x'))).toEqual([])
    expect(store.job).toBeNull()
  })
})
