// 搜一搜: the compiled mini program's sitemap.json (uni-app copies src/sitemap.json into the
// mp-weixin build) lets WeChat index the product, store and 种草 pages by id, and keeps the cart,
// checkout, payment, orders and the shopper's own pages out; every page it names exists.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { assertBuilt, MP_ROOT } from './harness'
import { subPackages } from './packages'

let sitemap
let pages
beforeAll(() => {
  assertBuilt()
  sitemap = JSON.parse(readFileSync(join(MP_ROOT, 'sitemap.json'), 'utf8'))
  const app = JSON.parse(readFileSync(join(MP_ROOT, 'app.json'), 'utf8'))
  pages = new Set([...app.pages, ...subPackages(MP_ROOT).flatMap((s) => s.pages.map((p) => `${s.root}/${p}`))])
})

describe('compiled sitemap.json', () => {
  it('is the source file, copied into the build', () => {
    const source = JSON.parse(readFileSync(join(__dirname, '../../src/sitemap.json'), 'utf8'))
    expect(sitemap).toEqual(source)
  })

  it('allows product, store and post pages with their id', () => {
    const allowed = sitemap.rules.filter((r) => r.action === 'allow' && r.params)
    expect(allowed.map((r) => [r.page, r.params])).toEqual([
      ['pages/product/detail', ['id']],
      ['pkg-trade/stores/index', ['id']],
      ['pkg-social/posts/detail', ['id']],
    ])
  })

  it('disallows the cart, checkout, payment, orders and me, then everything else', () => {
    const disallowed = sitemap.rules.filter((r) => r.action === 'disallow').map((r) => r.page)
    for (const page of ['pages/cart/index', 'pages/me/index', 'pkg-trade/checkout/index', 'pkg-trade/pay/index', 'pkg-trade/orders/index']) {
      expect(disallowed).toContain(page)
    }
    expect(sitemap.rules.at(-1)).toEqual({ action: 'disallow', page: '*' })
  })

  it('names only pages the mini program has', () => {
    const named = sitemap.rules.map((r) => r.page).filter((p) => p !== '*')
    expect(named.filter((p) => !pages.has(p))).toEqual([])
    expect(pages.has('pkg-social/code/index')).toBe(true)
  })
})
