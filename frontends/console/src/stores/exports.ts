/** CSV export jobs: start one, poll its progress until it finishes, download the file. */
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { consoleApi } from '@/api/console'
import type { ExportJob, OrderExportCreate } from '@/api/types'

export const POLL_MS = 1000

export function percent(job: Pick<ExportJob, 'progress' | 'total' | 'status'>): number {
  if (job.status === 'done') return 100
  if (!job.total) return 0
  return Math.min(100, Math.floor((job.progress / job.total) * 100))
}

export function isFinished(job: Pick<ExportJob, 'status'>): boolean {
  return job.status === 'done' || job.status === 'failed' || job.status === 'expired'
}

/** What the progress line shows while the job is queued (before the first poll answers). */
export type JobView = Pick<ExportJob, 'status' | 'progress' | 'total' | 'download_url' | 'error'> & {
  id: number
}

export const useExportsStore = defineStore('exports', () => {
  const job = ref<JobView | null>(null)
  const error = ref<string | null>(null)
  let timer: ReturnType<typeof setTimeout> | null = null

  function stop(): void {
    if (timer !== null) clearTimeout(timer)
    timer = null
  }

  async function poll(jobId: number): Promise<void> {
    try {
      job.value = await consoleApi.getExport(jobId)
      if (!isFinished(job.value)) timer = setTimeout(() => void poll(jobId), POLL_MS)
    } catch (e) {
      error.value = e instanceof Error ? e.message : String(e)
    }
  }

  async function start(filters: OrderExportCreate): Promise<void> {
    stop()
    error.value = null
    const queued = await consoleApi.exportOrders(filters)
    job.value = {
      id: queued.job_id,
      status: queued.status,
      progress: 0,
      total: 0,
      download_url: null,
      error: null,
    }
    await poll(queued.job_id)
  }

  async function download(): Promise<string | null> {
    if (!job.value || job.value.status !== 'done') return null
    return consoleApi.downloadExport(job.value.id)
  }

  return { job, error, start, stop, download }
})
