import { beforeEach, describe, expect, it, vi } from 'vitest'
import { buildQuery } from '../../src/api/client'

const sent = []
let fail = false
vi.mock('../../src/api', () => ({
  api: {
    recommend: { view: (body) => (sent.push(body), fail ? Promise.reject(new Error('offline')) : Promise.resolve()) },
  },
}))

const { MAX_RECENT, noteView, recentProducts, visitorId } = await import('../../src/utils/recent')

describe('recently viewed (the session model)', () => {
  beforeEach(() => {
    sent.length = 0
    fail = false
  })

  it('keeps one visitor id per device and reports each product view with it', () => {
    const id = visitorId()
    expect(id).toMatch(/^[A-Za-z0-9_-]{16,64}$/)
    expect(visitorId()).toBe(id)
    noteView(7)
    noteView('9')
    expect(sent).toEqual([
      { product_id: 7, visitor: id },
      { product_id: 9, visitor: id },
    ])
  })

  it('lists the last views, most recent first, once each, at most ten, never the current one', () => {
    for (const id of [1, 2, 3, 2]) noteView(id)
    expect(recentProducts()).toEqual([2, 3, 1])
    expect(recentProducts(3)).toEqual([2, 1])
    for (let id = 10; id < 25; id++) noteView(id)
    expect(recentProducts()).toHaveLength(MAX_RECENT)
    expect(recentProducts()[0]).toBe(24)
  })

  it('ignores bad ids and a failing report', async () => {
    noteView(0)
    noteView('x')
    expect(sent).toEqual([])
    fail = true
    expect(() => noteView(5)).not.toThrow()
    await Promise.resolve()
    expect(recentProducts()).toEqual([5])
  })

  it('sends a list as the key repeated', () => {
    expect(buildQuery({ placement: 'product', recent: [3, 1] })).toBe('?placement=product&recent=3&recent=1')
  })
})
