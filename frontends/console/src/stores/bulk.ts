/** Bulk product jobs (批量上架/下架/改价/导入库存/导入商品): start one, poll its progress until it ends. */
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { ApiError } from '@/api/client'
import { consoleApi } from '@/api/console'
import type { BulkFailure, BulkJob, BulkJobCreate } from '@/api/types'
import { errorMessage } from '@/lib/errors'

export const BULK_POLL_MS = 1000

export function bulkPercent(job: Pick<BulkJob, 'progress' | 'total' | 'status'>): number {
  if (job.status === 'done') return 100
  if (!job.total) return 0
  return Math.min(100, Math.floor((job.progress / job.total) * 100))
}

export function bulkFinished(job: Pick<BulkJob, 'status'>): boolean {
  return job.status === 'done' || job.status === 'failed'
}

/** The rows a refused request lists (problem extension `errors`), for the dialog. */
export function rowErrors(error: unknown): BulkFailure[] {
  if (!(error instanceof ApiError) || !Array.isArray(error.problem.errors)) return []
  return error.problem.errors as BulkFailure[]
}

export const useBulkStore = defineStore('bulk', () => {
  const job = ref<BulkJob | null>(null)
  const error = ref<string | null>(null)
  let timer: ReturnType<typeof setTimeout> | null = null
  let onFinish: ((job: BulkJob) => void) | null = null

  function stop(): void {
    if (timer !== null) clearTimeout(timer)
    timer = null
  }

  async function poll(jobId: number): Promise<void> {
    try {
      job.value = await consoleApi.getBulkJob(jobId)
      if (!bulkFinished(job.value)) timer = setTimeout(() => void poll(jobId), BULK_POLL_MS)
      else onFinish?.(job.value)
    } catch (e) {
      error.value = errorMessage(e)
    }
  }

  async function follow(queued: BulkJob, finished?: (job: BulkJob) => void): Promise<void> {
    stop()
    error.value = null
    job.value = queued
    onFinish = finished ?? null
    if (bulkFinished(queued)) onFinish?.(queued)
    else timer = setTimeout(() => void poll(queued.id), BULK_POLL_MS)
  }

  /** Queue a publish/unpublish/price job; throws the API error (with row errors) when refused. */
  async function start(body: BulkJobCreate, finished?: (job: BulkJob) => void): Promise<void> {
    await follow(await consoleApi.createBulkJob(body), finished)
  }

  async function importStock(file: File, finished?: (job: BulkJob) => void): Promise<void> {
    await follow(await consoleApi.importStock(file), finished)
  }

  async function importProducts(file: File, update: boolean, finished?: (job: BulkJob) => void): Promise<void> {
    await follow(await consoleApi.importProducts(file, update), finished)
  }

  function reset(): void {
    stop()
    job.value = null
    error.value = null
  }

  return { job, error, start, importStock, importProducts, stop, reset, poll }
})
