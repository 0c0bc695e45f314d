import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import { CONSENT, consentError, LEGAL_DOCS } from '../../src/content/legal'
import { bootstrap } from '../../src/stores'
import { displayClasses, readPrefs, suggestFrom, usePrefsStore } from '../../src/stores/prefs'
import { buildUrl, currentUrl, loginUrl, returnRoute, safeRedirect } from '../../src/utils/nav'

describe('return-to after login', () => {
  it('builds the current page with its query', () => {
    const pages = [
      { route: 'pages/index/index', options: {} },
      { route: 'pages/product/detail', options: { id: '12', sku: '3' } },
    ]
    expect(currentUrl(pages)).toBe('/pages/product/detail?id=12&sku=3')
    expect(currentUrl([{ route: 'pkg-trade/checkout/index', options: {} }])).toBe('/pkg-trade/checkout/index')
    // H5 keeps the options on $page.
    expect(currentUrl([{ route: 'pages/search/index', $page: { options: { q: '手机 壳' } } }])).toBe(
      '/pages/search/index?q=%E6%89%8B%E6%9C%BA%20%E5%A3%B3',
    )
    expect(currentUrl([])).toBe('')
  })

  it('round-trips through the login URL', () => {
    const here = buildUrl('/pkg-trade/orders/index', { status: 'paid', empty: '' })
    expect(here).toBe('/pkg-trade/orders/index?status=paid')
    const url = loginUrl(here)
    expect(url).toBe('/pages/login/index?redirect=%2Fpkg-trade%2Forders%2Findex%3Fstatus%3Dpaid')
    const raw = new URLSearchParams(url.split('?')[1]).get('redirect')
    expect(safeRedirect(raw)).toBe(here)
    // Still encoded (H5 may hand the query over as typed): decoded once.
    expect(safeRedirect(encodeURIComponent(here))).toBe(here)
    expect(loginUrl('')).toBe('/pages/login/index')
  })

  it('goes back to tab pages by switchTab and to other pages by redirectTo, with the query', () => {
    expect(returnRoute('/pkg-trade/checkout/index')).toEqual({ method: 'redirectTo', url: '/pkg-trade/checkout/index' })
    expect(returnRoute('/pages/product/detail?id=7')).toEqual({ method: 'redirectTo', url: '/pages/product/detail?id=7' })
    expect(returnRoute('/pages/cart/index')).toEqual({ method: 'switchTab', url: '/pages/cart/index' })
    expect(returnRoute('/pages/me/index?x=1')).toEqual({ method: 'switchTab', url: '/pages/me/index' })
  })

  it('never returns to an outside address or to login itself', () => {
    expect(safeRedirect('')).toBe('/pages/me/index')
    expect(safeRedirect(undefined)).toBe('/pages/me/index')
    expect(safeRedirect('https://evil.example/pages/a/b')).toBe('/pages/me/index')
    expect(safeRedirect('//evil.example/x')).toBe('/pages/me/index')
    expect(safeRedirect('/pages/login/index?redirect=%2Fpages%2Fme%2Findex')).toBe('/pages/me/index')
    expect(safeRedirect('%E0%A4%A')).toBe('/pages/me/index')
    expect(safeRedirect('/pkg-flash/flash/detail?id=3')).toBe('/pkg-flash/flash/detail?id=3')
    expect(safeRedirect('/pkg-evil/../x/y')).toBe('/pages/me/index')
  })

  it('sends an address from before the subpackages to where that page is now', () => {
    // A login link saved before the move: checkout still returns to checkout.
    expect(safeRedirect('/pages/checkout/index')).toBe('/pkg-trade/checkout/index')
    expect(safeRedirect(encodeURIComponent('/pages/orders/index?status=paid'))).toBe('/pkg-trade/orders/index?status=paid')
    expect(safeRedirect('/pages/flash/detail?id=3')).toBe('/pkg-flash/flash/detail?id=3')
    expect(safeRedirect('/pages/product/detail?id=3')).toBe('/pages/product/detail?id=3')
  })
})

describe('consent gate', () => {
  it('is required: only an explicit true lets sign-in go on', () => {
    expect(consentError(false)).toBe(CONSENT.missing)
    expect(consentError(undefined)).toBe(CONSENT.missing)
    expect(consentError('true')).toBe(CONSENT.missing)
    expect(consentError(true)).toBe('')
  })

  it('ships real policy and agreement text', () => {
    for (const doc of Object.values(LEGAL_DOCS)) {
      expect(doc.sections.length).toBeGreaterThanOrEqual(5)
      const text = [doc.intro, ...doc.sections.flatMap((s) => s.paragraphs)].join('')
      expect(text.length).toBeGreaterThan(400)
      expect(text).not.toMatch(/lorem|ipsum|TODO|xxx/i)
    }
    expect(LEGAL_DOCS.privacy.title).toBe('隐私政策')
    expect(LEGAL_DOCS.terms.title).toBe('用户协议')
  })
})

describe('display settings', () => {
  beforeEach(() => setActivePinia(createPinia()))

  it('大字版 and 高对比度 persist across launches and give the root classes', () => {
    const prefs = usePrefsStore()
    prefs.setElderMode(true)
    prefs.setHighContrast(true)
    setActivePinia(createPinia())
    const { prefs: again } = bootstrap()
    expect(again.elderMode).toBe(true)
    expect(again.highContrast).toBe(true)
    expect(again.shellClass).toEqual({ elder: true, 'high-contrast': true, 'reduce-motion': false })
    expect(document.documentElement.classList.contains('sl-high-contrast')).toBe(true)
    again.setHighContrast(false)
    expect(document.documentElement.classList.contains('sl-high-contrast')).toBe(false)
    setActivePinia(createPinia())
    expect(bootstrap().prefs.highContrast).toBe(false)
  })

  it('reads damaged or older saved settings safely', () => {
    expect(readPrefs(null)).toEqual({ elderMode: false, highContrast: false, reduceMotion: false, searchHistory: [] })
    expect(readPrefs({ elderMode: 'yes', highContrast: 1, searchHistory: ['a', 3, 'b'] })).toEqual({
      elderMode: false,
      highContrast: false,
      reduceMotion: false,
      searchHistory: ['a', 'b'],
    })
    // An older entry without highContrast keeps its elder mode.
    expect(readPrefs({ elderMode: true }).elderMode).toBe(true)
    expect(displayClasses({ elderMode: false, highContrast: false, reduceMotion: false, systemReducedMotion: true })['reduce-motion']).toBe(true)
  })
})

describe('search suggestions', () => {
  it('offers earlier searches containing the typed text, newest first', () => {
    const history = ['手机壳', '保温杯', '华为手机', '手机', 'iPhone 手机膜']
    expect(suggestFrom(history, '手机')).toEqual(['手机壳', '华为手机', 'iPhone 手机膜'])
    expect(suggestFrom(history, ' IPHONE ')).toEqual(['iPhone 手机膜'])
    expect(suggestFrom(history, '')).toEqual([])
    expect(suggestFrom(history, '手', 2)).toEqual(['手机壳', '华为手机'])
  })
})
