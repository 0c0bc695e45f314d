import { describe, expect, it, vi } from 'vitest'
import { categoryNameMap, facetGroups, mergeSuggestions, noFilters, priceRangeText, RANKINGS, rankingArm, searchQuery } from '../../src/utils/search'
import { readFileSync } from 'node:fs'
import { dirname, resolve as resolvePath } from 'node:path'
import { cleanSpoken, listen, voiceAvailable } from '../../src/utils/voice'

const FACETS = {
  categories: [
    { id: 3, count: 12 },
    { id: 4, count: 2 },
    { id: 99, count: 1 },
  ],
  brands: [
    { name: '美的', count: 8 },
    { name: '苏泊尔', count: 5 },
  ],
  price_ranges: [
    { min: 0, max: 10000, count: 3 },
    { min: 10000, max: 50000, count: 9 },
    { min: 50000, max: null, count: 0 },
  ],
  in_stock: 13,
  flash_sale: 0,
}
const NAMES = { 3: '厨房电器', 4: '生活电器' }

describe('search query', () => {
  it('sends only what is set, with the search API sort names', () => {
    expect(searchQuery('dfb', noFilters(), 'default')).toEqual({ q: 'dfb', sort: 'relevance' })
    expect(searchQuery('dfb', noFilters(), 'newest')).toEqual({ q: 'dfb', sort: 'new' })
    const f = { ...noFilters(), category_id: 3, brand: '美的', price_min: 0, price_max: 10000, in_stock: true, flash_sale: true }
    expect(searchQuery('电饭煲', f, 'price_asc')).toEqual({
      q: '电饭煲',
      sort: 'price_asc',
      category_id: 3,
      brand: '美的',
      price_min: 0,
      price_max: 10000,
      in_stock: true,
      flash_sale: true,
    })
  })
})

describe('facet chips', () => {
  it('names categories, skips unknown ids and empty price bands, hides a lone option', () => {
    const groups = facetGroups(FACETS, noFilters(), NAMES)
    expect(groups.map((g) => g.key)).toEqual(['toggles', 'category', 'brand', 'price'])
    expect(groups[0].options.map((o) => o.text)).toEqual(['仅看有货'])
    expect(groups[1].options.map((o) => o.text)).toEqual(['厨房电器', '生活电器'])
    expect(groups[3].options.map((o) => o.text)).toEqual(['¥100以下', '¥100–500'])
    expect(facetGroups(null, noFilters(), NAMES)).toEqual([])
  })

  it('toggles: a chosen chip is on and taps off', () => {
    const f = { ...noFilters(), brand: '美的', price_min: 10000, price_max: 49999, in_stock: true }
    const groups = facetGroups(FACETS, f, NAMES)
    const brand = groups.find((g) => g.key === 'brand').options
    expect(brand[0]).toMatchObject({ text: '美的', on: true, patch: { brand: null } })
    expect(brand[1]).toMatchObject({ on: false, patch: { brand: '苏泊尔' } })
    const price = groups.find((g) => g.key === 'price').options
    expect(price[1]).toMatchObject({ on: true, patch: { price_min: null, price_max: null } })
    expect(price[0].patch).toEqual({ price_min: 0, price_max: 9999 })
    expect(groups[0].options[0]).toMatchObject({ on: true, patch: { in_stock: false } })
  })

  it('keeps a chosen category even when the narrowed result has one category', () => {
    const groups = facetGroups({ ...FACETS, categories: [{ id: 3, count: 12 }] }, { ...noFilters(), category_id: 3 }, NAMES)
    expect(groups.find((g) => g.key === 'category').options).toHaveLength(1)
  })

  it('writes price bands in yuan', () => {
    expect(priceRangeText(0, 5000)).toBe('¥50以下')
    expect(priceRangeText(5000, 10000)).toBe('¥50–100')
    expect(priceRangeText(100000, null)).toBe('¥1000以上')
    expect(priceRangeText(9950, 20000)).toBe('¥99.50–200')
  })
})

describe('suggestions', () => {
  it('puts history first, then server completions, without repeats or the typed text', () => {
    expect(mergeSuggestions(['苹果手机'], ['苹果', '苹果手机', '苹果平板'], '苹果')).toEqual(['苹果手机', '苹果平板'])
    const many = Array.from({ length: 20 }, (_, i) => `s${i}`)
    expect(mergeSuggestions([], many, 's')).toHaveLength(8)
  })

  it('flattens the category tree', () => {
    expect(categoryNameMap([{ id: 1, name: '家电', children: [{ id: 3, name: '厨房电器', children: [] }] }])).toEqual({ 1: '家电', 3: '厨房电器' })
    expect(categoryNameMap({ items: [{ id: 2, name: '美妆' }] })).toEqual({ 2: '美妆' })
  })
})

describe('voice input', () => {
  it('is offered only where the platform has it', () => {
    expect(voiceAvailable({ browser: () => null, wechat: () => null })).toBe(false)
    expect(voiceAvailable({ browser: () => function R() {}, wechat: () => null })).toBe(true)
    expect(listen({ onText() {}, onEnd() {}, onError() {} }, { browser: () => null, wechat: () => null })).toBeNull()
  })

  it('feeds the browser recognition result, without punctuation, to the box', () => {
    const made = []
    class Recognition {
      constructor() {
        made.push(this)
      }
      start() {}
      stop() {}
    }
    const onText = vi.fn()
    const onEnd = vi.fn()
    const onError = vi.fn()
    const session = listen({ onText, onEnd, onError }, { browser: () => Recognition, wechat: () => null })
    session.start()
    const rec = made[0]
    expect(rec.lang).toBe('zh-CN')
    rec.onresult({ results: [[{ transcript: '夏天穿的裙子。' }]] })
    expect(onText).toHaveBeenCalledWith('夏天穿的裙子')
    rec.onerror({ error: 'not-allowed' })
    expect(onError).toHaveBeenCalledWith('请允许使用麦克风后再试')
    rec.onend()
    expect(onEnd).toHaveBeenCalled()
  })

  it('uses the WechatSI manager in the mini program', () => {
    const manager = { start: vi.fn(), stop: vi.fn() }
    const onText = vi.fn()
    const onEnd = vi.fn()
    const session = listen({ onText, onEnd, onError() {} }, { browser: () => null, wechat: () => manager })
    session.start()
    expect(manager.start).toHaveBeenCalledWith({ lang: 'zh_CN', duration: 10000 })
    manager.onStop({ result: '电饭煲，' })
    expect(onText).toHaveBeenCalledWith('电饭煲')
    expect(onEnd).toHaveBeenCalled()
  })

  it('cleans spoken punctuation', () => {
    expect(cleanSpoken('口红。')).toBe('口红')
    expect(cleanSpoken('适合送女朋友的，礼物？')).toBe('适合送女朋友的 礼物')
  })
})

describe('search ranking A/B test', () => {
  const arm = (variant, extra = {}) => ({ variants: { search_ranking: { experiment_id: 7, variant, is_holdout: false, ...extra } } })

  it('takes the arm of the search_ranking slot, never a holdout or an unknown preset', () => {
    expect(rankingArm(arm('popular'))).toEqual({ experiment_id: 7, variant: 'popular', is_holdout: false })
    expect(rankingArm(arm('popular', { is_holdout: true }))).toBeNull()
    expect(rankingArm(arm('newest'))).toBeNull()
    expect(rankingArm({ variants: {} })).toBeNull()
    expect(rankingArm(null)).toBeNull()
  })

  it('knows the presets the API accepts', () => {
    const openapi = JSON.parse(readFileSync(resolvePath(dirname(__filename), '../../../shared/src/openapi.json'), 'utf8'))
    const param = openapi.paths['/api/v1/search'].get.parameters.find((p) => p.name === 'ranking')
    expect(param.schema.enum).toEqual(RANKINGS)
  })
})
