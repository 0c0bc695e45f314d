// Tolerant readers for product payloads: list items and details use the same field names in the
// contract, but images may be plain URLs or {url, alt} objects.
export function imageUrl(img) {
  if (!img) return ''
  return typeof img === 'string' ? img : img.url || img.src || ''
}

export function cardOf(p) {
  const images = p.images || []
  const set = imageSetOf(p.image_set, p.image || p.cover_image || p.main_image || images[0])
  return {
    id: p.id,
    title: p.title || p.name || '',
    // The list size of the image set (≈360 px WebP) once the media pipeline sends one.
    image: set ? set.list : '',
    webp: Boolean(p.image_set),
    color: (set && set.color) || '',
    price: p.price ?? p.min_price ?? null,
    originalPrice: p.original_price ?? null,
    sales: p.sales_count ?? p.sales ?? null,
  }
}

/**
 * @param {any} p a product
 * @returns {string[]}
 */
export function galleryOf(p) {
  return (p.images || []).map(imageUrl).filter(Boolean)
}

/**
 * @param {any} p a product
 * @returns {string[]}
 */
export function turntableOf(p) {
  return (p.turntable_images || []).map(imageUrl).filter(Boolean)
}

/**
 * An image set (ImageSet of the media pipeline) for a product image: the API's own when it sends
 * one, else one made from the legacy URL (every size the same URL, no placeholder colour).
 * @param {any} set an ImageSet, or null
 * @param {any} [legacy] a legacy image (URL or {url})
 * @returns {{ list: string, detail: string, zoom: string, fallback: string, color: string, width: number | null, height: number | null } | null}
 */
export function imageSetOf(set, legacy) {
  if (set && (set.detail || set.list)) {
    const detail = set.detail || set.list
    return {
      list: set.list || detail,
      detail,
      zoom: set.zoom || detail,
      fallback: set.fallback || detail,
      color: set.color || '',
      width: set.width ?? null,
      height: set.height ?? null,
    }
  }
  const url = imageUrl(legacy)
  return url ? { list: url, detail: url, zoom: url, fallback: url, color: '', width: null, height: null } : null
}

/**
 * The detail page's gallery: `gallery` (image sets) when the API sends it, else `images`.
 * @param {any} p a product
 */
export function gallerySetsOf(p) {
  const sets = Array.isArray(p.gallery) && p.gallery.length ? p.gallery.map((s) => imageSetOf(s)) : (p.images || []).map((img) => imageSetOf(null, img))
  return /** @type {NonNullable<ReturnType<typeof imageSetOf>>[]} */ (sets.filter(Boolean))
}

/**
 * The tall images shown under the description (长图), as image sets.
 * @param {any} p a product
 */
export function detailImagesOf(p) {
  return /** @type {NonNullable<ReturnType<typeof imageSetOf>>[]} */ ((p.detail_images || []).map((s) => (typeof s === 'string' ? imageSetOf(null, s) : imageSetOf(s))).filter(Boolean))
}

/**
 * The product video, or null: `{ url, poster }` (poster an image URL, '' without one).
 * @param {any} p a product
 */
export function videoOf(p) {
  const v = p.video
  if (!v || !v.url) return null
  const poster = imageSetOf(v.poster)
  return { url: String(v.url), poster: poster ? poster.fallback : '' }
}

const ESCAPES = /** @type {Record<string, string>} */ ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })

/**
 * The description as HTML for `rich-text`: the API sends sanitised HTML; a legacy plain-text
 * description becomes escaped `<p>` paragraphs (one per line). `origin` makes /media/ image
 * sources absolute (the mini program loads no relative URLs); images get fluid inline styles
 * (rich-text takes no page classes in the mini program).
 * @param {string | null | undefined} description
 * @param {string} [origin]
 */
export function descriptionHtml(description, origin = '') {
  const text = String(description || '').trim()
  if (!text) return ''
  // The sanitiser's output starts with one of its block tags; anything else is legacy text.
  let html = /^<(p|h2|h3|ul|ol|blockquote|img|strong|b|em|i|u|s|br)\b/i.test(text)
    ? text
    : text
        .split(/\n+/)
        .map((line) => line.trim())
        .filter(Boolean)
        .map((line) => `<p>${line.replace(/[&<>"']/g, (c) => ESCAPES[c])}</p>`)
        .join('')
  html = html.replace(/<img\b([^>]*)>/gi, (_, attrs) => {
    const fixed = origin ? attrs.replace(/\ssrc="\/media\//i, ` src="${origin.replace(/\/$/, '')}/media/`) : attrs
    return `<img${fixed.replace(/\/$/, '')} style="max-width:100%;height:auto;display:block;margin:8px 0">`
  })
  return html
}
