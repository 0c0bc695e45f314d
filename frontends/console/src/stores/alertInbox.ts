/** The console inbox of alerts: how many incidents the signed-in staff member has not seen (the
 * header's bell), refreshed every minute while the console is open, cleared on the 告警 page. */
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { consoleApi } from '@/api/console'
import { isAvailable, OPS } from '@/api/operations'

export const INBOX_POLL_MS = 60_000

export const useAlertInboxStore = defineStore('alertInbox', () => {
  const unread = ref(0)
  let timer: ReturnType<typeof setInterval> | null = null

  async function refresh(): Promise<void> {
    if (!isAvailable(OPS.alertInbox)) return
    try {
      unread.value = (await consoleApi.alertInbox()).count
    } catch {
      // The badge is a hint: a failed poll keeps the last count.
    }
  }

  async function markRead(): Promise<void> {
    if (!isAvailable(OPS.readAlertInbox)) return
    unread.value = (await consoleApi.readAlertInbox({})).count
  }

  function start(): void {
    stop()
    void refresh()
    timer = setInterval(() => void refresh(), INBOX_POLL_MS)
  }

  function stop(): void {
    if (timer !== null) clearInterval(timer)
    timer = null
  }

  return { unread, refresh, markRead, start, stop }
})
