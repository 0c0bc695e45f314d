import { afterEach, describe, expect, it } from 'vitest'
import { applyPageMeta, clearPageMeta, productMeta, yuan } from '../../src/utils/seo'

const PRODUCT = {
  id: 42,
  title: '纯棉圆领短袖T恤',
  subtitle: '',
  description: '<p>新疆长绒棉&nbsp;透气</p>',
  images: ['https://shop.example/media/a.jpg'],
  price: 5900,
  max_price: 7900,
  skus: [{ available: 0 }, { available: 3 }],
}

describe('product page metadata', () => {
  afterEach(() => clearPageMeta())

  it('formats fen as yuan', () => {
    expect([yuan(5900), yuan(1), yuan(0)]).toEqual(['59.00', '0.01', '0.00'])
  })

  it('describes the product as schema.org Product with an aggregate offer', () => {
    const meta = productMeta(PRODUCT, { url: 'https://shop.example/pages/product/detail?id=42' })
    expect(meta.title).toBe('纯棉圆领短袖T恤 - Shoplet 商城')
    expect(meta.description).toBe('新疆长绒棉 透气')
    expect(meta.jsonLd).toEqual({
      '@context': 'https://schema.org',
      '@type': 'Product',
      name: '纯棉圆领短袖T恤',
      description: '新疆长绒棉 透气',
      sku: '42',
      image: ['https://shop.example/media/a.jpg'],
      offers: {
        '@type': 'AggregateOffer',
        priceCurrency: 'CNY',
        lowPrice: '59.00',
        highPrice: '79.00',
        availability: 'https://schema.org/InStock',
        url: 'https://shop.example/pages/product/detail?id=42',
      },
    })
  })

  it('one price and no stock: a single offer, out of stock', () => {
    const meta = productMeta({ ...PRODUCT, max_price: 5900, skus: [{ available: 0 }] }, { url: 'u' })
    expect(meta.jsonLd.offers).toEqual({
      '@type': 'Offer', priceCurrency: 'CNY', price: '59.00', availability: 'https://schema.org/OutOfStock', url: 'u',
    })
  })

  it('writes the head once and clears it', () => {
    const meta = productMeta(PRODUCT, { url: 'u' })
    applyPageMeta(meta)
    applyPageMeta(meta)
    expect(document.title).toBe(meta.title)
    expect(document.querySelectorAll('script[type="application/ld+json"]')).toHaveLength(1)
    expect(document.querySelector('meta[property="og:title"]').getAttribute('content')).toBe(PRODUCT.title)
    clearPageMeta()
    expect(document.querySelectorAll('[data-shoplet-meta]')).toHaveLength(0)
  })
})
