/**
 * One polling loop for the console's live pages (看板, 实时概览): `run` is called at once (unless
 * `immediate: false`), then again `interval()` ms after each run ends — the interval is read
 * every time, so a page follows the refresh_seconds its server sends. Never two runs at once: a
 * `refresh()` while one is in flight runs once more right after it (so the newest filters win).
 * A hidden tab polls nothing; showing it again runs at once and resumes. The loop stops with
 * the component (or effect scope) that made it. A failed run leaves its message in `error`
 * (cleared by the next success) and the loop goes on.
 */
import { getCurrentScope, onScopeDispose, readonly, ref } from 'vue'
import { errorMessage } from '@/lib/errors'

export interface PollerOptions {
  /** Milliseconds from the end of one run to the start of the next. */
  interval: () => number
  /** Start polling at once (default); otherwise `start()` or `refresh()` starts it. */
  immediate?: boolean
}

export function usePoller(run: () => Promise<void>, options: PollerOptions) {
  const error = ref('')
  const loading = ref(false)
  const active = ref(false)
  let timer: ReturnType<typeof setTimeout> | null = null
  let inFlight: Promise<void> | null = null
  let again = false
  let disposed = false

  const hidden = (): boolean => typeof document !== 'undefined' && document.visibilityState === 'hidden'

  function clear(): void {
    if (timer !== null) clearTimeout(timer)
    timer = null
  }

  function schedule(): void {
    clear()
    if (!active.value || disposed || hidden()) return
    timer = setTimeout(() => {
      timer = null
      void refresh()
    }, options.interval())
  }

  async function loop(): Promise<void> {
    loading.value = true
    try {
      do {
        again = false
        try {
          await run()
          error.value = ''
        } catch (e) {
          error.value = errorMessage(e)
        }
      } while (again && !disposed)
    } finally {
      loading.value = false
      inFlight = null
    }
    schedule()
  }

  /** Run now (starting the loop if it was not); during a run, once more right after it. */
  function refresh(): Promise<void> {
    if (disposed) return Promise.resolve()
    active.value = true
    clear()
    if (inFlight) {
      again = true
      return inFlight
    }
    inFlight = loop()
    return inFlight
  }

  function start(): Promise<void> {
    return refresh()
  }

  /** No more runs (one in flight ends, and schedules nothing). */
  function stop(): void {
    active.value = false
    again = false
    clear()
  }

  function onVisibility(): void {
    if (!active.value || disposed) return
    if (hidden()) clear()
    else if (!inFlight) void refresh()
  }

  if (typeof document !== 'undefined') document.addEventListener('visibilitychange', onVisibility)
  if (getCurrentScope()) {
    onScopeDispose(() => {
      disposed = true
      stop()
      if (typeof document !== 'undefined') document.removeEventListener('visibilitychange', onVisibility)
    })
  }
  if (options.immediate ?? true) void refresh()

  return { error: readonly(error), loading: readonly(loading), active: readonly(active), refresh, start, stop }
}
