// Search-as-you-type plumbing: wait until typing pauses (debounce), and show only the answer to
// the latest question (a sequence number drops late answers; the previous request is aborted).

/**
 * `fn` called `wait` ms after the last call, with that call's arguments.
 * @template {any[]} A
 * @param {(...args: A) => void} fn
 * @param {number} [wait]
 * @param {{ set: (cb: () => void, ms: number) => any, clear: (id: any) => void }} [timers]
 */
export function debounce(fn, wait = 250, timers = { set: (cb, ms) => setTimeout(cb, ms), clear: (id) => clearTimeout(id) }) {
  /** @type {any} */
  let timer = null
  /** @type {A | null} */
  let pending = null
  /** @param {A} args */
  const debounced = (...args) => {
    pending = args
    if (timer !== null) timers.clear(timer)
    timer = timers.set(() => {
      timer = null
      const call = pending
      pending = null
      if (call) fn(...call)
    }, wait)
  }
  /** Drop the waiting call. */
  debounced.cancel = () => {
    if (timer !== null) timers.clear(timer)
    timer = null
    pending = null
  }
  /** Run the waiting call now (e.g. the shopper pressed Enter). */
  debounced.flush = () => {
    const call = pending
    debounced.cancel()
    if (call) fn(...call)
  }
  debounced.pending = () => pending !== null
  return debounced
}

/** A cancel handle passed to a request: `abort()` stops it, `onAbort(fn)` is how it listens. */
export function createAbort() {
  /** @type {Array<() => void>} */
  const listeners = []
  const token = {
    aborted: false,
    abort() {
      if (token.aborted) return
      token.aborted = true
      for (const fn of listeners.splice(0)) fn()
    },
    /** @param {() => void} fn */
    onAbort(fn) {
      if (token.aborted) fn()
      else listeners.push(fn)
    },
  }
  return token
}

/**
 * Wrap an async `fetch(arg, abortToken)` so that only the latest call's result is delivered:
 * each call aborts the one before, and an answer that arrives after a newer call started
 * resolves `{ stale: true }` instead of its value.
 * @template T, R
 * @param {(arg: T, abort: ReturnType<typeof createAbort>) => Promise<R>} fetch
 */
export function latestOnly(fetch) {
  let seq = 0
  /** @type {ReturnType<typeof createAbort> | null} */
  let current = null
  /**
   * @param {T} arg
   * @returns {Promise<{ stale: true } | { stale: false, value: R }>}
   */
  async function run(arg) {
    seq += 1
    const mine = seq
    if (current) current.abort()
    const token = createAbort()
    current = token
    try {
      const value = await fetch(arg, token)
      if (mine !== seq) return { stale: true }
      return { stale: false, value }
    } catch (err) {
      if (mine !== seq) return { stale: true }
      throw err
    } finally {
      if (current === token && mine === seq) current = null
    }
  }
  /** Forget the call in flight (its answer will be stale). */
  run.cancel = () => {
    seq += 1
    if (current) current.abort()
    current = null
  }
  run.latest = () => seq
  return run
}
