import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import { assetUrl, configureClient } from '../../src/api'
import { useMascotStore } from '../../src/stores/mascot'
import { fakeBackend } from './fake-backend'

const MASCOT = {
  name: '小铺',
  figure: 'cat',
  color: '#F57C00',
  figure_url: '/api/v1/mascot/figures/cat-F57C00.svg',
  messages: { empty_cart: '购物车空空的', unlock: '恭喜解锁' },
}

beforeEach(() => setActivePinia(createPinia()))

// The mascot (品牌形象) is loaded once per session, without the shopper's token; a failure
// leaves the empty states with their own words.
describe('mascot store', () => {
  it('loads once, anonymously, and answers the message per occasion', async () => {
    const backend = fakeBackend({ 'GET /api/v1/mascot': () => MASCOT })
    configureClient({ baseUrl: '', transport: backend.transport })
    const store = useMascotStore()
    await Promise.all([store.load(), store.load()])
    await store.load()
    expect(backend.requests).toHaveLength(1)
    expect(backend.requests[0].header.Authorization).toBeUndefined()
    expect(store.name).toBe('小铺')
    expect(store.figure).toBe('/api/v1/mascot/figures/cat-F57C00.svg')
    expect(store.message('empty_cart')).toBe('购物车空空的')
    expect(store.message('no_such')).toBe('')
  })

  it('stays empty when the mascot cannot be loaded', async () => {
    const backend = fakeBackend({ 'GET /api/v1/mascot': () => ({ status: 503, data: { code: 'shoplet.unavailable' } }) })
    configureClient({ baseUrl: '', transport: backend.transport })
    const store = useMascotStore()
    await store.load()
    expect(store.mascot).toBeNull()
    expect(store.message('unlock')).toBe('')
  })

  it('makes API image paths absolute only when the API has its own origin', () => {
    configureClient({ baseUrl: '' })
    expect(assetUrl('/api/v1/achievements/badges/bag-E4393C.svg')).toBe('/api/v1/achievements/badges/bag-E4393C.svg')
    configureClient({ baseUrl: 'https://shop.example.com' })
    expect(assetUrl('/api/v1/achievements/badges/bag-E4393C.svg')).toBe('https://shop.example.com/api/v1/achievements/badges/bag-E4393C.svg')
    expect(assetUrl('https://cdn.example.com/x.svg')).toBe('https://cdn.example.com/x.svg')
  })
})
