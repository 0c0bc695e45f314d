import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { effectScope, nextTick } from 'vue'
import { ApiError } from '@/api/client'
import { usePoller, type PollerOptions } from '@/lib/usePoller'

let visibility: DocumentVisibilityState = 'visible'

function setVisibility(state: DocumentVisibilityState): void {
  visibility = state
  document.dispatchEvent(new Event('visibilitychange'))
}

/** A run that stays in flight until `finish()` (or `fail()`) is called. */
function controlledRun() {
  const pending: { resolve: () => void; reject: (e: unknown) => void }[] = []
  const run = vi.fn(() => new Promise<void>((resolve, reject) => pending.push({ resolve, reject })))
  return {
    run,
    async finish() {
      pending.shift()!.resolve()
      await vi.advanceTimersByTimeAsync(0)
    },
    async fail(e: unknown) {
      pending.shift()!.reject(e)
      await vi.advanceTimersByTimeAsync(0)
    },
    get inFlight() {
      return pending.length
    },
  }
}

function inScope(run: () => Promise<void>, options: PollerOptions) {
  const scope = effectScope()
  const poller = scope.run(() => usePoller(run, options))!
  return { poller, scope }
}

describe('usePoller', () => {
  beforeEach(() => {
    vi.useFakeTimers()
    visibility = 'visible'
    vi.spyOn(document, 'visibilityState', 'get').mockImplementation(() => visibility)
  })
  afterEach(() => {
    vi.restoreAllMocks()
    vi.useRealTimers()
  })

  it('runs at once, then the interval after each run ends, reading the interval every time', async () => {
    const c = controlledRun()
    let interval = 5000
    const { scope } = inScope(c.run, { interval: () => interval })
    expect(c.run).toHaveBeenCalledTimes(1)
    await vi.advanceTimersByTimeAsync(10_000) // still in flight: no timer runs
    expect(c.run).toHaveBeenCalledTimes(1)
    await c.finish()
    await vi.advanceTimersByTimeAsync(4999)
    expect(c.run).toHaveBeenCalledTimes(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(c.run).toHaveBeenCalledTimes(2)
    interval = 2000 // the server asks for another interval
    await c.finish()
    await vi.advanceTimersByTimeAsync(2000)
    expect(c.run).toHaveBeenCalledTimes(3)
    scope.stop()
  })

  it('never overlaps: a refresh during a run runs once more right after it', async () => {
    const c = controlledRun()
    const { poller, scope } = inScope(c.run, { interval: () => 5000 })
    void poller.refresh()
    void poller.refresh()
    void poller.refresh()
    expect(c.run).toHaveBeenCalledTimes(1)
    expect(c.inFlight).toBe(1)
    expect(poller.loading.value).toBe(true)
    await c.finish()
    expect(c.run).toHaveBeenCalledTimes(2) // the three refreshes made one more run
    expect(c.inFlight).toBe(1)
    await c.finish()
    expect(poller.loading.value).toBe(false)
    await vi.advanceTimersByTimeAsync(5000)
    expect(c.run).toHaveBeenCalledTimes(3)
    scope.stop()
  })

  it('waits for start() when not immediate', async () => {
    const run = vi.fn(async () => {})
    const { poller, scope } = inScope(run, { interval: () => 1000, immediate: false })
    await vi.advanceTimersByTimeAsync(5000)
    expect(run).not.toHaveBeenCalled()
    expect(poller.active.value).toBe(false)
    await poller.start()
    expect(run).toHaveBeenCalledTimes(1)
    await vi.advanceTimersByTimeAsync(1000)
    expect(run).toHaveBeenCalledTimes(2)
    poller.stop()
    await vi.advanceTimersByTimeAsync(5000)
    expect(run).toHaveBeenCalledTimes(2)
    scope.stop()
  })

  it('pauses while the tab is hidden and runs at once when it is shown again', async () => {
    const run = vi.fn(async () => {})
    const { scope } = inScope(run, { interval: () => 1000 })
    await vi.advanceTimersByTimeAsync(0)
    expect(run).toHaveBeenCalledTimes(1)
    setVisibility('hidden')
    await vi.advanceTimersByTimeAsync(60_000)
    expect(run).toHaveBeenCalledTimes(1)
    setVisibility('visible')
    await vi.advanceTimersByTimeAsync(0)
    expect(run).toHaveBeenCalledTimes(2)
    await vi.advanceTimersByTimeAsync(1000)
    expect(run).toHaveBeenCalledTimes(3)
    scope.stop()
  })

  it('schedules nothing when the tab is hidden while a run is in flight', async () => {
    const c = controlledRun()
    const { scope } = inScope(c.run, { interval: () => 1000 })
    setVisibility('hidden')
    await c.finish()
    await vi.advanceTimersByTimeAsync(60_000)
    expect(c.run).toHaveBeenCalledTimes(1)
    setVisibility('visible')
    expect(c.run).toHaveBeenCalledTimes(2)
    scope.stop()
  })

  it('keeps the error of a failed run, goes on polling and clears it on success', async () => {
    const c = controlledRun()
    const { poller, scope } = inScope(c.run, { interval: () => 1000 })
    await c.fail(new ApiError(500, { type: 'about:blank', title: 'Internal Server Error', status: 500, detail: '服务暂时不可用' }))
    expect(poller.error.value).toBe('服务暂时不可用')
    await vi.advanceTimersByTimeAsync(1000)
    expect(c.run).toHaveBeenCalledTimes(2)
    await c.finish()
    expect(poller.error.value).toBe('')
    scope.stop()
  })

  it('stops with its scope: no run after, even when one was in flight', async () => {
    const c = controlledRun()
    const { scope } = inScope(c.run, { interval: () => 1000 })
    scope.stop()
    await c.finish()
    await vi.advanceTimersByTimeAsync(60_000)
    setVisibility('hidden')
    setVisibility('visible')
    await nextTick()
    expect(c.run).toHaveBeenCalledTimes(1)
  })
})
