import { beforeEach, describe, expect, it, vi } from 'vitest'

const listStores = vi.fn()
vi.mock('@/api/console', () => ({ consoleApi: { listStores: (q: unknown) => listStores(q) } }))

const { listAllStores } = await import('@/lib/stores')

describe('listAllStores', () => {
  beforeEach(() => {
    listStores.mockReset()
  })

  it('reads every page of stores, following the cursor', async () => {
    listStores
      .mockResolvedValueOnce({ items: [{ id: 1 }, { id: 2 }], next_cursor: 'c2' })
      .mockResolvedValueOnce({ items: [{ id: 3 }], next_cursor: null })
    expect((await listAllStores()).map((s) => s.id)).toEqual([1, 2, 3])
    expect(listStores.mock.calls).toEqual([[{ limit: 100, cursor: undefined }], [{ limit: 100, cursor: 'c2' }]])
  })

  it('stops after its page bound even when the API keeps naming a next page', async () => {
    listStores.mockResolvedValue({ items: [{ id: 9 }], next_cursor: 'again' })
    expect(await listAllStores(3)).toHaveLength(3)
    expect(listStores).toHaveBeenCalledTimes(3)
  })
})
