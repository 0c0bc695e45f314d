// @vitest-environment node
// index.html preloads the home page chunk and its imports (build/preload-home.js).
import { describe, expect, it } from 'vitest'
import { chunkClosure, pageChunk, preloadTags } from '../../build/preload-home'

const bundle = {
  'assets/index.js': { type: 'chunk', isEntry: true, imports: [], viteMetadata: { importedCss: new Set(['assets/index.css']) } },
  'assets/pages-index-index.js': {
    type: 'chunk',
    isDynamicEntry: true,
    facadeModuleId: '/src/pages/index/index.vue',
    imports: ['assets/index.js', 'assets/Card.js', 'assets/money.js'],
    viteMetadata: { importedCss: new Set(['assets/home.css']) },
  },
  'assets/Card.js': { type: 'chunk', imports: ['assets/money.js'], viteMetadata: { importedCss: new Set(['assets/card.css']) } },
  'assets/money.js': { type: 'chunk', imports: [], viteMetadata: { importedCss: new Set() } },
  'assets/pages-cart-cart.js': { type: 'chunk', isDynamicEntry: true, facadeModuleId: '/src/pages/cart/index.vue', imports: [] },
  'assets/home.css': { type: 'asset' },
}

describe('home page preload', () => {
  it('finds the chunk of the home page', () => {
    expect(pageChunk(bundle, 'pages/index/index')).toBe('assets/pages-index-index.js')
    expect(pageChunk(bundle, 'pages/nope/index')).toBeUndefined()
  })

  it('lists the page chunk and its imports once each, without the entry', () => {
    expect(chunkClosure(bundle, 'assets/pages-index-index.js')).toEqual({
      js: ['assets/pages-index-index.js', 'assets/Card.js', 'assets/money.js'],
      css: ['assets/home.css', 'assets/card.css'],
    })
  })

  it('adds modulepreload and style preload links to index.html', () => {
    const tags = preloadTags(bundle)
    expect(tags.map((t) => `${t.attrs.rel} ${t.attrs.href}`)).toEqual([
      'modulepreload /assets/pages-index-index.js',
      'modulepreload /assets/Card.js',
      'modulepreload /assets/money.js',
      'preload /assets/home.css',
      'preload /assets/card.css',
    ])
    expect(preloadTags(undefined)).toEqual([])
  })
})
