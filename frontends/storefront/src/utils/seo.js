// Page metadata for search (搜一搜 and web crawlers). The H5 shop writes <title>, the meta
// description and keywords, Open Graph and a schema.org `Product` (JSON-LD) into the document
// head; the mini program has no page-meta API in uni-app or WeChat (its title is the navigation
// bar's, and 搜一搜 crawls the pages sitemap.json allows), see docs/omnichannel.md#搜一搜.

const MARK = 'data-shoplet-meta'
const DESCRIPTION_MAX = 150

function plain(html) {
  return String(html || '')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
}

/** Fen as the decimal yuan string schema.org wants ("59.00"). */
export function yuan(fen) {
  return (Math.round(Number(fen) || 0) / 100).toFixed(2)
}

/**
 * The metadata of a product page: what the H5 head carries and the JSON-LD `Product`.
 * @param {{id:number,title:string,subtitle?:string,description?:string,images?:string[],price:number,max_price?:number,skus?:{available:number}[]}} product
 * @param {{url:string, shop?:string, category?:string}} where
 */
export function productMeta(product, { url, shop = 'Shoplet 商城', category = '' }) {
  const description = (plain(product.subtitle) || plain(product.description) || product.title).slice(0, DESCRIPTION_MAX)
  const inStock = (product.skus || []).some((s) => s.available > 0)
  const images = (product.images || []).filter(Boolean)
  const low = product.price
  const high = product.max_price && product.max_price > low ? product.max_price : low
  const availability = inStock ? 'https://schema.org/InStock' : 'https://schema.org/OutOfStock'
  const offers =
    high > low
      ? { '@type': 'AggregateOffer', priceCurrency: 'CNY', lowPrice: yuan(low), highPrice: yuan(high), availability, url }
      : { '@type': 'Offer', priceCurrency: 'CNY', price: yuan(low), availability, url }
  return {
    title: `${product.title} - ${shop}`,
    description,
    keywords: [product.title, category, shop].filter(Boolean).join(','),
    og: {
      'og:type': 'product',
      'og:title': product.title,
      'og:description': description,
      'og:url': url,
      ...(images[0] ? { 'og:image': images[0] } : {}),
      'product:price:amount': yuan(low),
      'product:price:currency': 'CNY',
    },
    jsonLd: {
      '@context': 'https://schema.org',
      '@type': 'Product',
      name: product.title,
      description,
      sku: String(product.id),
      ...(images.length ? { image: images } : {}),
      ...(category ? { category } : {}),
      offers,
    },
  }
}

function headTag(tag, attrs) {
  const el = document.createElement(tag)
  el.setAttribute(MARK, '')
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v)
  document.head.appendChild(el)
  return el
}

/** Removes what `applyPageMeta` wrote (a page leaving). */
export function clearPageMeta() {
  // #ifdef H5
  document.head.querySelectorAll(`[${MARK}]`).forEach((el) => el.remove())
  // #endif
}

/** Writes a page's metadata into the H5 document head (nothing in the mini program). */
export function applyPageMeta(meta) {
  // #ifdef H5
  clearPageMeta()
  document.title = meta.title
  headTag('meta', { name: 'description', content: meta.description })
  headTag('meta', { name: 'keywords', content: meta.keywords })
  for (const [property, content] of Object.entries(meta.og)) headTag('meta', { property, content })
  const ld = headTag('script', { type: 'application/ld+json' })
  ld.textContent = JSON.stringify(meta.jsonLd).replace(/</g, '\\u003c')
  // #endif
}
