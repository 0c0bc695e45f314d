import { beforeEach, describe, expect, it, vi } from 'vitest'

const sent = []
let fail = false
vi.mock('../../src/api', () => ({
  api: {
    search: { click: (body) => (sent.push(['search', body]), fail ? Promise.reject(new Error('offline')) : Promise.resolve()) },
    recommend: { click: (body) => (sent.push(['recommend', body]), fail ? Promise.reject(new Error('offline')) : Promise.resolve()) },
  },
}))

const { markImpression, reportClick } = await import('../../src/utils/clicks')

describe('click-through reports', () => {
  beforeEach(() => {
    sent.length = 0
    fail = false
  })

  it('reports the impression id, the product and its position on that page', () => {
    const page = markImpression({ items: [{ id: 7 }, { id: 9 }], search_id: 'abc' }, 'abc')
    reportClick('search', page.items[1])
    const shelf = markImpression({ items: [{ id: 3 }], rec_id: 'r1' }, 'r1')
    reportClick('recommend', shelf.items[0])
    expect(sent).toEqual([
      ['search', { search_id: 'abc', product_id: 9, position: 1 }],
      ['recommend', { rec_id: 'r1', product_id: 3, position: 0 }],
    ])
  })

  it('reports nothing without an impression, and never throws when the report fails', async () => {
    const page = markImpression({ items: [{ id: 7 }], search_id: null }, null)
    reportClick('search', page.items[0])
    reportClick('search', undefined)
    expect(sent).toEqual([])
    fail = true
    const shelf = markImpression({ items: [{ id: 3 }] }, 'r2')
    expect(() => reportClick('recommend', shelf.items[0])).not.toThrow()
    await Promise.resolve()
    expect(sent).toHaveLength(1)
  })
})
