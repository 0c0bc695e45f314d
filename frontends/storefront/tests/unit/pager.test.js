import { describe, expect, it } from 'vitest'
import { createPager } from '../../src/utils/pager'

describe('createPager', () => {
  it('follows next_cursor until the backend stops returning one', async () => {
    const calls = []
    const pages = { '': { items: [1, 2], next_cursor: 'c2' }, c2: { items: [3], next_cursor: null } }
    const pager = createPager(async (q) => {
      calls.push(q)
      return pages[q.cursor || '']
    }, { limit: 2 })
    await pager.loadMore()
    await pager.loadMore()
    await pager.loadMore()
    expect(pager.state.items).toEqual([1, 2, 3])
    expect(pager.state.done).toBe(true)
    expect(calls).toEqual([{ cursor: undefined, limit: 2 }, { cursor: 'c2', limit: 2 }])
  })

  it('reload starts over from the first page', async () => {
    const pages = { '': { items: [1, 2], next_cursor: 'c2' }, c2: { items: [3], next_cursor: null } }
    const pager = createPager(async (q) => pages[q.cursor || ''], { limit: 2 })
    await pager.loadMore()
    await pager.loadMore()
    await pager.reload()
    expect(pager.state.items).toEqual([1, 2])
    expect(pager.state.cursor).toBe('c2')
    expect(pager.state.done).toBe(false)
  })

  it('runs one request at a time', async () => {
    let calls = 0
    const pager = createPager(async () => {
      calls += 1
      return { items: [calls], next_cursor: 'x' }
    })
    await Promise.all([pager.loadMore(), pager.loadMore()])
    expect(calls).toBe(1)
  })

  it('drops a page that arrives after a reset', async () => {
    let release
    const pager = createPager(() => new Promise((r) => (release = r)))
    const pending = pager.loadMore()
    pager.reset()
    release({ items: ['stale'], next_cursor: null })
    await pending
    expect(pager.state.items).toEqual([])
    expect(pager.state.done).toBe(false)
  })

  it('keeps the error and lets the shopper retry', async () => {
    let fail = true
    const pager = createPager(async () => {
      if (fail) throw new Error('offline')
      return { items: ['a'], next_cursor: null }
    })
    await pager.loadMore()
    expect(pager.state.error.message).toBe('offline')
    fail = false
    await pager.loadMore()
    expect(pager.state.items).toEqual(['a'])
    expect(pager.state.error).toBe(null)
  })
})
