/** CSV export jobs: start one, poll its progress until done or failed. */
import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { QueryValue } from '@/api/client'
import { consoleApi } from '@/api/console'
import type { ExportJob } from '@/api/types'

export const POLL_MS = 1000

export function percent(job: Pick<ExportJob, 'progress' | 'total' | 'status'>): number {
  if (job.status === 'done') return 100
  if (!job.total) return 0
  return Math.min(100, Math.floor((job.progress / job.total) * 100))
}

export function isFinished(job: Pick<ExportJob, 'status'>): boolean {
  return job.status === 'done' || job.status === 'failed'
}

export const useExportsStore = defineStore('exports', () => {
  const job = ref<ExportJob | null>(null)
  const error = ref<string | null>(null)
  let timer: ReturnType<typeof setTimeout> | null = null

  function stop(): void {
    if (timer !== null) clearTimeout(timer)
    timer = null
  }

  async function poll(jobId: string): Promise<void> {
    try {
      job.value = await consoleApi.getExport(jobId)
      if (!isFinished(job.value)) timer = setTimeout(() => void poll(jobId), POLL_MS)
    } catch (e) {
      error.value = e instanceof Error ? e.message : String(e)
    }
  }

  async function start(filters: Record<string, QueryValue>): Promise<void> {
    stop()
    error.value = null
    const { job_id } = await consoleApi.exportOrders(filters)
    job.value = { job_id, status: 'pending', progress: 0, total: 0, download_url: null }
    await poll(job_id)
  }

  return { job, error, start, stop }
})
