import { afterEach, describe, expect, it, vi } from 'vitest'
import { badgeText, setTabBadge, TAB } from '../../src/utils/badges'
import { base64Ascii, ICON_NAMES, iconSvg, iconUri } from '../../src/utils/icons'
import { descriptionHtml, detailImagesOf, gallerySetsOf, videoOf, cardOf } from '../../src/utils/product'
import { sharePayload, shareWeb } from '../../src/utils/share'

const set = (name, color = '#aabbcc') => ({
  list: `/media/p/${name}-360.webp`, detail: `/media/p/${name}-750.webp`, zoom: `/media/p/${name}-1500.webp`,
  fallback: `/media/p/${name}-750.jpg`, width: 1500, height: 1500, color,
})

describe('share payload (the poster hook)', () => {
  const product = { id: 42, title: '保温杯', subtitle: '12 小时保温', price: 5900, gallery: [set('cup')], images: ['/media/cup.png'] }

  it('builds the mini program card, the timeline query, the web share and the poster data', () => {
    const p = sharePayload(product, { origin: 'https://shop.example.cn' })
    expect(p.path).toBe('/pages/product/detail?id=42')
    expect(p.title).toBe('¥59.00 保温杯')
    // WeChat's share card and a canvas poster take JPEG/PNG: the fallback, made absolute.
    expect(p.imageUrl).toBe('https://shop.example.cn/media/p/cup-750.jpg')
    expect(p.timeline).toEqual({ title: '¥59.00 保温杯', query: 'id=42', imageUrl: p.imageUrl })
    expect(p.web).toEqual({ title: '保温杯', text: '¥59.00 保温杯', url: 'https://shop.example.cn/pages/product/detail?id=42' })
    expect(p.poster).toEqual({
      title: '保温杯', subtitle: '12 小时保温', price: '¥59.00', image: p.imageUrl, color: '#aabbcc',
      mpPath: '/pages/product/detail?id=42', url: p.web.url,
    })
  })

  it('carries an inviter and a chosen price, and falls back to the legacy images', () => {
    const p = sharePayload({ id: 7, title: '茶', price: null, images: ['/media/tea.png'] }, { inviter: 'm 1', price: 1200 })
    expect(p.path).toBe('/pages/product/detail?id=7&inviter=m%201')
    expect(p.imageUrl).toBe('/media/tea.png')
    expect(p.poster.price).toBe('¥12.00')
    expect(p.poster.color).toBe('#f5f5f5')
  })

  it('H5: uses the Web Share API when there is one, else copies the link', async () => {
    const share = vi.fn().mockResolvedValue(undefined)
    const web = { title: 't', text: 'x', url: 'https://s/#/p' }
    expect(await shareWeb(web, { navigator: { share } })).toBe('shared')
    expect(share).toHaveBeenCalledWith(web)
    const aborted = vi.fn().mockRejectedValue(Object.assign(new Error('no'), { name: 'AbortError' }))
    expect(await shareWeb(web, { navigator: { share: aborted } })).toBe('cancelled')

    const toasts = []
    globalThis.uni.setClipboardData = ({ data, success }) => success({ data })
    globalThis.uni.showToast = (o) => toasts.push(o.title)
    expect(await shareWeb(web, { navigator: {} })).toBe('copied')
    expect(toasts).toEqual(['链接已复制，快去分享给好友吧'])
  })
})

describe('tab badges', () => {
  afterEach(() => {
    delete globalThis.uni.setTabBarBadge
    delete globalThis.uni.removeTabBarBadge
  })

  it('counts: nothing, numbers, 99+ and more-than-counted', () => {
    expect(badgeText(0)).toBe('')
    expect(badgeText(-3)).toBe('')
    expect(badgeText(7)).toBe('7')
    expect(badgeText(99)).toBe('99')
    expect(badgeText(100)).toBe('99+')
    expect(badgeText(50, true)).toBe('50+')
  })

  it('sets or removes the badge of a tab', () => {
    const calls = []
    globalThis.uni.setTabBarBadge = (o) => calls.push(['set', o.index, o.text])
    globalThis.uni.removeTabBarBadge = (o) => calls.push(['remove', o.index])
    setTabBadge(TAB.cart, 3)
    setTabBadge(TAB.me, 0)
    setTabBadge(TAB.me, 120)
    expect(calls).toEqual([['set', 2, '3'], ['remove', 3], ['set', 3, '99+']])
  })

  it('is a no-op without a tab bar', () => {
    expect(() => setTabBadge(TAB.cart, 3)).not.toThrow()
  })
})

describe('icon set', () => {
  it('has the icons the pages use, all drawn in currentColor', () => {
    for (const name of ['home', 'category', 'cart', 'user', 'check', 'chevron-right', 'chevron-left', 'plus', 'minus', 'heart', 'heart-fill', 'share', 'wechat', 'wallet', 'package', 'truck', 'service', 'alert', 'close']) {
      expect(ICON_NAMES, name).toContain(name)
    }
    for (const name of ICON_NAMES) expect(iconSvg(name, '#123456'), name).toMatch(/^<svg [^>]*viewBox="0 0 24 24".*#123456/)
  })

  it('makes base64 data URIs with the colour written in', () => {
    expect(base64Ascii('Man')).toBe('TWFu')
    expect(base64Ascii('Ma')).toBe('TWE=')
    expect(base64Ascii('M')).toBe('TQ==')
    const uri = iconUri('check', '#c81e1e')
    expect(uri.startsWith('data:image/svg+xml;base64,')).toBe(true)
    const svg = Buffer.from(uri.split(',')[1], 'base64').toString('ascii')
    expect(svg).toContain('stroke="#c81e1e"')
    expect(svg).not.toContain('currentColor')
    expect(iconUri('nope')).toBe('')
    // An unsafe colour cannot break out of the attribute.
    expect(iconSvg('check', '"><script>')).toContain('#1f1f1f')
  })
})

describe('product media with the image pipeline and without it', () => {
  it('uses the image sets when the API sends them, else the legacy URLs', () => {
    expect(gallerySetsOf({ gallery: [set('a', '#112233')], images: ['/x.png'] })[0]).toMatchObject({ zoom: '/media/p/a-1500.webp', color: '#112233' })
    expect(gallerySetsOf({ images: ['/x.png', { url: '/y.png' }] })).toEqual([
      { list: '/x.png', detail: '/x.png', zoom: '/x.png', fallback: '/x.png', color: '', width: null, height: null },
      { list: '/y.png', detail: '/y.png', zoom: '/y.png', fallback: '/y.png', color: '', width: null, height: null },
    ])
    expect(detailImagesOf({ detail_images: [set('long')] })[0].detail).toBe('/media/p/long-750.webp')
    expect(detailImagesOf({})).toEqual([])
    expect(videoOf({ video: { url: '/media/v.mp4', poster: set('poster') } })).toEqual({ url: '/media/v.mp4', poster: '/media/p/poster-750.jpg' })
    expect(videoOf({ video: null })).toBe(null)
    expect(cardOf({ id: 1, title: 't', image: '/old.png', image_set: set('c', '#abcdef') })).toMatchObject({ image: '/media/p/c-360.webp', color: '#abcdef', webp: true })
    expect(cardOf({ id: 1, title: 't', image: '/old.png' })).toMatchObject({ image: '/old.png', color: '', webp: false })
  })

  it('serves a plain-text description as escaped paragraphs and keeps sanitised HTML', () => {
    expect(descriptionHtml('第一行\n尺寸 <b> 20cm & 更多')).toBe('<p>第一行</p><p>尺寸 &lt;b&gt; 20cm &amp; 更多</p>')
    expect(descriptionHtml('')).toBe('')
    const html = descriptionHtml('<p>好杯</p><img src="/media/d/1.webp" alt="细节">', 'https://api.example.cn')
    expect(html).toBe('<p>好杯</p><img src="https://api.example.cn/media/d/1.webp" alt="细节" style="max-width:100%;height:auto;display:block;margin:8px 0">')
  })
})
