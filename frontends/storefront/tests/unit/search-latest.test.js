import { describe, expect, it, vi } from 'vitest'
import { createAbort, debounce, latestOnly } from '../../src/utils/latest'
import { createPager } from '../../src/utils/pager'

/** A request the test answers by hand, in any order. */
function deferred() {
  let resolve, reject
  const promise = new Promise((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

describe('debounce', () => {
  it('runs once, with the last arguments, after typing pauses', () => {
    vi.useFakeTimers()
    try {
      const seen = []
      const typed = debounce((q) => seen.push(q), 250)
      typed('手')
      vi.advanceTimersByTime(200)
      typed('手机')
      vi.advanceTimersByTime(200)
      typed('手机壳')
      expect(seen).toEqual([])
      vi.advanceTimersByTime(249)
      expect(seen).toEqual([])
      vi.advanceTimersByTime(1)
      expect(seen).toEqual(['手机壳'])
      vi.advanceTimersByTime(1000)
      expect(seen).toEqual(['手机壳'])
    } finally {
      vi.useRealTimers()
    }
  })

  it('can be flushed (Enter) or cancelled (field cleared)', () => {
    vi.useFakeTimers()
    try {
      const seen = []
      const typed = debounce((q) => seen.push(q), 250)
      typed('a')
      expect(typed.pending()).toBe(true)
      typed.flush()
      expect(seen).toEqual(['a'])
      vi.advanceTimersByTime(500)
      expect(seen).toEqual(['a'])
      typed('b')
      typed.cancel()
      vi.advanceTimersByTime(500)
      expect(seen).toEqual(['a'])
      expect(typed.pending()).toBe(false)
    } finally {
      vi.useRealTimers()
    }
  })
})

describe('latestOnly', () => {
  it('drops an older answer that arrives after a newer one and aborts its request', async () => {
    const calls = []
    const search = latestOnly((q, abort) => {
      const d = deferred()
      calls.push({ q, abort, d })
      return d.promise
    })
    const first = search('手')
    const second = search('手机')
    expect(calls[0].abort.aborted).toBe(true)
    expect(calls[1].abort.aborted).toBe(false)
    calls[1].d.resolve(['手机 A'])
    calls[0].d.resolve(['手套 (old)'])
    expect(await second).toEqual({ stale: false, value: ['手机 A'] })
    expect(await first).toEqual({ stale: true })
  })

  it('keeps an answer delivered before the next call, drops one not yet delivered', async () => {
    const calls = []
    const search = latestOnly(() => {
      const d = deferred()
      calls.push(d)
      return d.promise
    })
    const first = search('a')
    calls[0].resolve('A')
    expect(await first).toEqual({ stale: false, value: 'A' })
    const second = search('ab')
    calls[1].resolve('AB')
    // Answered, but a newer question came before the answer was handed over: dropped.
    const third = search('abc')
    expect(await second).toEqual({ stale: true })
    calls[2].resolve('ABC')
    expect(await third).toEqual({ stale: false, value: 'ABC' })
  })

  it('turns errors of superseded calls into stale results, keeps the latest error', async () => {
    const calls = []
    const search = latestOnly(() => {
      const d = deferred()
      calls.push(d)
      return d.promise
    })
    const first = search(1)
    const second = search(2)
    calls[0].reject(new Error('aborted'))
    calls[1].reject(new Error('boom'))
    expect(await first).toEqual({ stale: true })
    await expect(second).rejects.toThrow('boom')
  })

  it('cancel() makes the call in flight stale', async () => {
    const d = deferred()
    const search = latestOnly(() => d.promise)
    const pending = search('x')
    search.cancel()
    d.resolve('X')
    expect(await pending).toEqual({ stale: true })
  })

  it('with the pager, the list always holds the answer to the latest text', async () => {
    const answers = new Map()
    const fetchLatest = latestOnly((q) => {
      const d = deferred()
      answers.set(q, d)
      return d.promise
    })
    let q = ''
    const pager = createPager(async (page) => {
      const res = await fetchLatest(q, page)
      if (res.stale) throw new Error('stale')
      return res.value
    })
    q = '手'
    pager.reset()
    const loadA = pager.loadMore()
    q = '手机'
    pager.reset()
    const loadB = pager.loadMore()
    answers.get('手机').resolve({ items: [{ id: 2, title: '手机' }], next_cursor: null })
    await loadB
    answers.get('手').resolve({ items: [{ id: 1, title: '手套' }], next_cursor: null })
    await loadA
    expect(pager.state.items.map((p) => p.title)).toEqual(['手机'])
    expect(pager.state.error).toBe(null)
    expect(pager.state.loading).toBe(false)
  })
})

describe('createAbort', () => {
  it('tells its listeners once, and late listeners at once', () => {
    const token = createAbort()
    const heard = []
    token.onAbort(() => heard.push('a'))
    token.abort()
    token.abort()
    token.onAbort(() => heard.push('b'))
    expect(heard).toEqual(['a', 'b'])
  })
})
