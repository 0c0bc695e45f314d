import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import { api, configureClient } from '../../src/api'
import { bootstrap } from '../../src/stores'
import { useAuthStore } from '../../src/stores/auth'
import { applyParsed, clearRegionCache, loadRegions, nextIndex, parsedSummary, regionPath } from '../../src/pkg-user/utils/regions'
import { fakeBackend } from './fake-backend'

const LEVELS = {
  '': [{ code: '530000', name: '云南省', has_children: true }, { code: '540000', name: '西藏自治区', has_children: true }],
  540000: [{ code: '540100', name: '拉萨市', has_children: true }],
  540100: [{ code: '540102', name: '城关区', has_children: false }, { code: '540103', name: '堆龙德庆区', has_children: false }],
}

function countingFetch(levels = LEVELS) {
  const calls = []
  const fetchLevel = async (parent) => {
    calls.push(parent)
    const items = levels[parent || '']
    if (!items) throw new Error('所在地区不存在，请重新选择')
    return { items }
  }
  return { calls, fetchLevel }
}

beforeEach(() => {
  clearRegionCache()
  setActivePinia(createPinia())
  bootstrap()
})

describe('region levels', () => {
  it('loads each level once and shares a request in flight', async () => {
    const { calls, fetchLevel } = countingFetch()
    const [a, b] = await Promise.all([loadRegions('', fetchLevel), loadRegions('', fetchLevel)])
    expect(a).toBe(b)
    expect(a.map((r) => r.name)).toEqual(['云南省', '西藏自治区'])
    await loadRegions('540000', fetchLevel)
    await loadRegions('540000', fetchLevel)
    await loadRegions('', fetchLevel)
    expect(calls).toEqual([undefined, '540000'])
  })

  it('forgets a failed level so the next try asks again', async () => {
    let fail = true
    const calls = []
    const fetchLevel = async (parent) => {
      calls.push(parent)
      if (fail) throw new Error('网络错误')
      return { items: LEVELS[parent] }
    }
    await expect(loadRegions('540000', fetchLevel)).rejects.toThrow('网络错误')
    fail = false
    expect((await loadRegions('540000', fetchLevel)).map((r) => r.code)).toEqual(['540100'])
    expect(calls).toEqual(['540000', '540000'])
  })

  it('asks GET /regions without the shopper token, so HTTP caches may keep it', async () => {
    const backend = fakeBackend({ 'GET /api/v1/regions': () => ({ items: LEVELS['540000'] }) })
    configureClient({ baseUrl: '', transport: backend.transport })
    useAuthStore().accessToken = 'a1'
    const items = await loadRegions('540000')
    expect(items[0].name).toBe('拉萨市')
    expect(backend.requests[0].url).toBe('/api/v1/regions?parent_code=540000')
    expect(backend.requests[0].header.Authorization).toBeUndefined()
    await api.regions.list()
    expect(backend.requests[1].url).toBe('/api/v1/regions')
  })

  it('finds the path of an address being edited', async () => {
    const { fetchLevel } = countingFetch()
    const load = (code) => loadRegions(code, fetchLevel)
    const path = await regionPath({ province: '西藏自治区', city: '拉萨市', region_code: '540102' }, load)
    expect([path.province.code, path.city.code, path.district.name]).toEqual(['540000', '540100', '城关区'])
    expect(await regionPath({ region_code: '' }, load)).toEqual({ province: null, city: null, district: null })
    const stale = await regionPath({ province: '西藏自治区', city: '日喀则市', region_code: '540202' }, load)
    expect([stale.province.code, stale.city, stale.district]).toEqual(['540000', null, null])
  })
})

describe('smart paste', () => {
  const PARSED = {
    recipient: '扎西', phone: '13900001111', province: '西藏自治区', city: '拉萨市', district: '城关区', region_code: '540102', detail: '北京中路22号',
  }

  it('fills every part that was found, for the shopper to check', () => {
    const form = { recipient: '', phone: '', province: '', city: '', district: '', region_code: '', detail: '', tag: '家' }
    expect(applyParsed(form, PARSED)).toEqual(['recipient', 'phone', 'detail', 'region'])
    expect(form).toEqual({ ...PARSED, tag: '家' })
    expect(parsedSummary(['recipient', 'phone', 'detail', 'region'])).toBe('已识别：收货人、手机号、所在地区、详细地址，请核对')
  })

  it('keeps what the shopper typed where nothing was found, and takes a region only whole', () => {
    const form = { recipient: '老王', phone: '13800138000', province: '云南省', city: '昆明市', district: '五华区', region_code: '530102', detail: '' }
    const filled = applyParsed(form, { ...PARSED, recipient: null, phone: '  ', district: null, region_code: null })
    expect(filled).toEqual(['detail'])
    expect(form).toMatchObject({ recipient: '老王', phone: '13800138000', region_code: '530102', detail: '北京中路22号' })
    expect(parsedSummary([])).toBe('没有识别出地址信息，请手动填写')
    expect(applyParsed(form, null)).toEqual([])
  })
})

describe('keyboard in the picker', () => {
  it('moves with arrows (wrapping), Home and End', () => {
    expect(nextIndex('ArrowRight', 0, 3)).toBe(1)
    expect(nextIndex('ArrowDown', 2, 3)).toBe(0)
    expect(nextIndex('ArrowLeft', 0, 3)).toBe(2)
    expect(nextIndex('ArrowUp', 1, 3)).toBe(0)
    expect(nextIndex('Home', 2, 3)).toBe(0)
    expect(nextIndex('End', 0, 3)).toBe(2)
    expect(nextIndex('a', 0, 3)).toBe(-1)
    expect(nextIndex('ArrowRight', 0, 0)).toBe(-1)
  })
})
