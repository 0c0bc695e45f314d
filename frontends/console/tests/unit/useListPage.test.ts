import { describe, expect, it } from 'vitest'
import { ApiError } from '@/api/client'
import { statusParam, useListPage, type CursorPage } from '@/lib/useListPage'

interface Row {
  id: number
  name: string
}

type Call = { status: string; cursor: string | null; limit: number }

function deferred<T>() {
  let resolve!: (value: T) => void
  let reject!: (reason: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

function pages(...answers: (CursorPage<Row> | Error)[]) {
  const calls: Call[] = []
  const fetch = (f: { status: 'all' | 'open' | 'closed' }, cursor: string | null, limit: number) => {
    calls.push({ status: f.status, cursor, limit })
    const next = answers.shift()
    return next instanceof Error ? Promise.reject(next) : Promise.resolve(next ?? { items: [] })
  }
  return { calls, fetch }
}

describe('useListPage', () => {
  it('loads the first page, appends the next and starts over when asked', async () => {
    const api = pages(
      { items: [{ id: 1, name: 'a' }], next_cursor: 'c1' },
      { items: [{ id: 2, name: 'b' }], next_cursor: null },
      { items: [{ id: 3, name: 'c' }] },
    )
    const list = useListPage({ filters: { status: 'open' as 'all' | 'open' | 'closed' }, fetch: api.fetch })
    await list.load()
    expect(list.items.value.map((r) => r.id)).toEqual([1])
    expect(list.cursor.value).toBe('c1')
    await list.loadMore()
    expect(list.items.value.map((r) => r.id)).toEqual([1, 2])
    expect(list.cursor.value).toBeNull()
    list.filters.status = 'closed'
    await list.reload()
    expect(list.items.value.map((r) => r.id)).toEqual([3])
    expect(api.calls).toEqual([
      { status: 'open', cursor: null, limit: 20 },
      { status: 'open', cursor: 'c1', limit: 20 },
      { status: 'closed', cursor: null, limit: 20 },
    ])
    expect(list.loading.value).toBe(false)
  })

  it('shows the glossary message of a failure and keeps the rows it had', async () => {
    const api = pages(
      { items: [{ id: 1, name: 'a' }], next_cursor: 'c1' },
      new ApiError(403, { title: 'Forbidden', status: 403, code: 'auth.step_up_required' } as never),
      { items: [{ id: 1, name: 'a' }] },
    )
    const list = useListPage({ filters: { status: 'all' as const }, fetch: api.fetch, limit: 50 })
    await list.load()
    await list.loadMore()
    expect(list.error.value).toBe('这是敏感操作，请先完成身份验证')
    expect(list.items.value.map((r) => r.id)).toEqual([1])
    expect(list.loading.value).toBe(false)
    await list.load()
    expect(list.error.value).toBe('')
    expect(api.calls.map((c) => c.limit)).toEqual([50, 50, 50])
  })

  it('drops an answer that arrives after a newer request started', async () => {
    const slow = deferred<CursorPage<Row>>()
    const fast = deferred<CursorPage<Row>>()
    const queue = [slow.promise, fast.promise]
    const list = useListPage({ filters: { status: 'open' }, fetch: () => queue.shift()! })
    const first = list.load()
    const second = list.load()
    fast.resolve({ items: [{ id: 2, name: 'new tab' }] })
    await second
    expect(list.loading.value).toBe(false)
    slow.resolve({ items: [{ id: 1, name: 'old tab' }], next_cursor: 'old' })
    await first
    expect(list.items.value.map((r) => r.name)).toEqual(['new tab'])
    expect(list.cursor.value).toBeNull()
  })

  it('replaces a row by its key and resets the filters it opened with', async () => {
    const api = pages({ items: [{ id: 1, name: 'a' }, { id: 2, name: 'b' }] }, { items: [] })
    const list = useListPage({ filters: { status: 'open' as 'all' | 'open' | 'closed' }, fetch: api.fetch })
    await list.load()
    list.replace({ id: 2, name: 'B' })
    expect(list.items.value).toEqual([{ id: 1, name: 'a' }, { id: 2, name: 'B' }])
    list.filters.status = 'closed'
    await list.resetFilters()
    expect(list.filters.status).toBe('open')
    expect(api.calls.at(-1)).toEqual({ status: 'open', cursor: null, limit: 20 })
  })

  it('keys rows by another field when told', async () => {
    const list = useListPage({
      filters: {},
      fetch: async () => ({ items: [{ no: 'A1', n: 1 }, { no: 'A2', n: 2 }] }),
      key: (r) => r.no,
    })
    await list.load()
    list.replace({ no: 'A2', n: 20 })
    expect(list.items.value.map((r) => r.n)).toEqual([1, 20])
  })

  it("maps the 'all' tab to no status filter", () => {
    expect(statusParam<'open' | 'closed'>('all')).toBeNull()
    expect(statusParam<'open' | 'closed'>('open')).toBe('open')
  })
})
