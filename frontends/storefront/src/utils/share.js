// Sharing a product. `sharePayload` is THE payload builder: the mini program's share card
// (onShareAppMessage / onShareTimeline), the H5 Web Share call and the copied link all come from
// it, and it is the hook for a share poster: a poster renderer (canvas, drawn by the social
// features) takes `payload.poster` — title, price text, image URL (JPEG/PNG, the fallback of the
// image set: WeChat's canvas and share card take no WebP), the mini program path to encode as a
// wxacode and the H5 URL to encode as a QR code — and draws it; nothing here draws.
import { price } from '@shoplet/shared'
import { imageUrl } from './product'
import { toast } from './nav'

export const SHARE_PAGE = 'pages/product/detail'

/**
 * @param {string} url
 * @param {string} origin
 */
function absolute(url, origin) {
  if (!url || /^https?:\/\//.test(url) || !origin) return url
  return `${origin.replace(/\/$/, '')}${url.startsWith('/') ? '' : '/'}${url}`
}

/**
 * The share payload of a product.
 * @param {any} product a ProductDetail (gallery/image sets when present, legacy `images` otherwise)
 * @param {{ origin?: string, inviter?: string | null, price?: number | null }} [opts] `origin` makes
 *   image and page URLs absolute (the H5 origin, or the API origin in the mini program); `inviter`
 *   is carried in the query for the social features (attribution); `price` overrides the lowest
 *   price (e.g. the chosen SKU's)
 */
export function sharePayload(product, opts = {}) {
  const origin = opts.origin || ''
  const query = [`id=${encodeURIComponent(product.id)}`]
  if (opts.inviter) query.push(`inviter=${encodeURIComponent(opts.inviter)}`)
  const queryString = query.join('&')
  const path = `/${SHARE_PAGE}?${queryString}`
  const first = (product.gallery && product.gallery[0]) || null
  const image = absolute((first && (first.fallback || first.detail)) || imageUrl((product.images || [])[0]) || '', origin)
  const amount = opts.price ?? product.price ?? null
  const priceText = amount == null ? '' : price(amount)
  const title = priceText ? `${priceText} ${product.title}` : product.title
  // The H5 shop routes in history mode (manifest.json): the page path is the URL path.
  const url = absolute(path, origin)
  return {
    // wx onShareAppMessage
    title,
    path,
    imageUrl: image,
    // wx onShareTimeline (朋友圈: a query, no path)
    timeline: { title, query: queryString, imageUrl: image },
    // H5: Web Share API / the copied link
    web: { title: product.title, text: title, url },
    // The poster hook (see the header comment).
    poster: {
      title: product.title,
      subtitle: product.subtitle || '',
      price: priceText,
      image,
      color: (first && first.color) || '#f5f5f5',
      mpPath: path,
      url,
    },
  }
}

/**
 * H5 share: the system share sheet when the browser has one (Web Share API), else the link is
 * copied with a toast. Resolves with 'shared', 'copied', 'cancelled' or 'failed'.
 * @param {{ title: string, text: string, url: string }} web
 * @param {{ navigator?: any }} [env] for tests
 * @returns {Promise<'shared' | 'copied' | 'cancelled' | 'failed'>}
 */
export async function shareWeb(web, env = {}) {
  const nav = env.navigator || (typeof navigator !== 'undefined' ? navigator : null)
  if (nav && typeof nav.share === 'function') {
    try {
      await nav.share(web)
      return 'shared'
    } catch (err) {
      if (err && err.name === 'AbortError') return 'cancelled'
    }
  }
  return new Promise((resolve) => {
    uni.setClipboardData({
      data: web.url,
      showToast: false,
      success: () => {
        toast('链接已复制，快去分享给好友吧')
        resolve('copied')
      },
      fail: () => {
        toast('复制失败，请稍后重试')
        resolve('failed')
      },
    })
  })
}
