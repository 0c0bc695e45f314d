// Response bodies in the backend's shapes (catalog ProductDetail, cart contract).

/** An ImageSet of the media pipeline (list/detail/zoom WebP, JPEG fallback, placeholder colour). */
function imageSet(name, color) {
  return {
    list: `/media/p/${name}-360.webp`, detail: `/media/p/${name}-750.webp`, zoom: `/media/p/${name}-1500.webp`,
    fallback: `/media/p/${name}-750.jpg`, width: 1500, height: 1500, color,
  }
}
export const PRODUCT = {
  id: 101,
  category_id: 2,
  title: '轻薄保温杯 500ml',
  subtitle: '12 小时保温',
  description: '<p>316 不锈钢内胆</p>',
  images: ['/media/cup-1.png', '/media/cup-2.png'],
  gallery: [imageSet('cup-1', '#ece4d8'), imageSet('cup-2', '#d8e0ec')],
  detail_images: [imageSet('cup-long', '#f0f0f0')],
  video: { url: '/media/v/cup.mp4', poster: imageSet('cup-poster', '#202020') },
  turntable_images: ['/media/cup-spin-1.png', '/media/cup-spin-2.png', '/media/cup-spin-3.png'],
  price: 5900,
  max_price: 6900,
  original_price: 7900,
  sales_count: 321,
  specs: [{ name: '颜色', values: ['白色', '黑色', '红色'] }],
  skus: [
    { id: 1001, specs: [{ name: '颜色', value: '白色' }], price: 5900, original_price: 7900, barcode: null, available: 0, image: null },
    { id: 1002, specs: [{ name: '颜色', value: '黑色' }], price: 6900, original_price: 7900, barcode: null, available: 12, image: null },
    { id: 1003, specs: [{ name: '颜色', value: '红色' }], price: 6900, original_price: 7900, barcode: null, available: 3, image: null },
  ],
}

export function cartLine(extra = {}) {
  return {
    sku_id: 1002, product_id: 101, title: '轻薄保温杯 500ml', spec_text: '颜色:黑色', image: '/media/cup-1.png',
    quantity: 1, selected: true, price: 6900, original_price: 7900, price_at_add: 6900, price_changed: false, price_change: 0,
    line_total: 6900, available: 12, is_purchasable: true, warnings: [], added_at: '2026-11-26T02:00:00Z',
    ...extra,
  }
}

export function cart(lines) {
  const selected = lines.filter((l) => l.selected)
  return {
    lines,
    summary: {
      line_count: lines.length,
      max_lines: 120,
      selected_count: selected.length,
      selected_quantity: selected.reduce((n, l) => n + l.quantity, 0),
      items_total: selected.reduce((n, l) => n + l.price * l.quantity, 0),
      has_issues: false,
    },
  }
}
