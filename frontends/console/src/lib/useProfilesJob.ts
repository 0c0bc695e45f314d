/**
 * A profiles job (重新计算 of 会员画像, 重新聚类 of 聚类) followed to its end: `start(kind)` queues
 * one, then its progress is read every 1.5 s until it is done or failed, when `onFinished` runs
 * (the page reloads what the job changed). Errors land in `error`; the timer stops with the page.
 */
import { onBeforeUnmount, ref, type Ref } from 'vue'
import { consoleApi } from '@/api/console'
import { errorMessage } from '@/lib/errors'

export type ProfilesJob = Awaited<ReturnType<typeof consoleApi.getProfilesJob>>

const POLL_MS = 1500

export function useProfilesJob(error: Ref<string>, onFinished: () => Promise<void>) {
  const job = ref<ProfilesJob | null>(null)
  let timer: ReturnType<typeof setTimeout> | null = null

  function poll(current: ProfilesJob): void {
    job.value = current
    if (timer !== null) clearTimeout(timer)
    if (current.status !== 'queued' && current.status !== 'running') {
      void onFinished()
      return
    }
    timer = setTimeout(async () => {
      try {
        poll(await consoleApi.getProfilesJob(current.id))
      } catch (e) {
        error.value = errorMessage(e)
      }
    }, POLL_MS)
  }

  async function start(kind: 'profiles' | 'clusters'): Promise<void> {
    try {
      poll(await consoleApi.requestProfilesJob(kind))
    } catch (e) {
      error.value = errorMessage(e)
    }
  }

  onBeforeUnmount(() => {
    if (timer !== null) clearTimeout(timer)
  })
  return { job, start }
}
