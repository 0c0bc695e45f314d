// Tolerant readers for product payloads: list items and details use the same field names in the
// contract, but images may be plain URLs or {url, alt} objects.
export function imageUrl(img) {
  if (!img) return ''
  return typeof img === 'string' ? img : img.url || img.src || ''
}

export function cardOf(p) {
  const images = p.images || []
  return {
    id: p.id,
    title: p.title || p.name || '',
    image: imageUrl(p.image || p.cover_image || p.main_image || images[0]),
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
