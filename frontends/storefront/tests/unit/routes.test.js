// Pages in the main package and in subpackages: pages.json, every navigation in the source, and
// the addresses from before the subpackages.
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'
import { notFoundRoute, TAB_PAGES } from '../../src/utils/nav'
import { currentPath, legacyRedirect, MOVED_FOLDERS, NEW_FOLDERS } from '../../src/utils/routes'

const SRC = join(__dirname, '../../src')
const PAGES_JSON = JSON.parse(readFileSync(join(SRC, 'pages.json'), 'utf8'))
const MAIN = PAGES_JSON.pages.map((p) => `/${p.path}`)
const SUB = PAGES_JSON.subPackages.flatMap((s) => s.pages.map((p) => `/${s.root}/${p.path}`))
const ALL = new Set([...MAIN, ...SUB])

function* sources(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) yield* sources(path)
    else if (/\.(vue|js)$/.test(entry.name)) yield path
  }
}

describe('pages.json', () => {
  it('keeps the tab pages, search, product detail and login in the main package', () => {
    expect(MAIN).toEqual([...TAB_PAGES, '/pages/search/index', '/pages/product/detail', '/pages/login/index'])
    expect(PAGES_JSON.tabBar.list.map((t) => `/${t.pagePath}`)).toEqual(TAB_PAGES)
  })

  it('puts every secondary page in a subpackage whose folder matches its root', () => {
    expect(PAGES_JSON.subPackages.map((s) => s.root)).toEqual(['pkg-trade', 'pkg-user', 'pkg-social', 'pkg-dist', 'pkg-live', 'pkg-flash'])
    expect(ALL.size).toBe(56)
    for (const page of SUB) {
      const [, root, folder] = page.split('/')
      expect(MOVED_FOLDERS[folder] || NEW_FOLDERS[folder], page).toBe(root)
    }
    for (const folder of Object.keys(NEW_FOLDERS)) expect(MOVED_FOLDERS).not.toHaveProperty(folder)
  })

  it('preloads the trade package from product detail and the cart', () => {
    for (const page of ['pages/product/detail', 'pages/cart/index']) {
      expect(PAGES_JSON.preloadRule[page]).toEqual({ network: 'all', packages: expect.arrayContaining(['pkg-trade']) })
    }
    for (const rule of Object.values(PAGES_JSON.preloadRule)) {
      for (const root of rule.packages) expect(PAGES_JSON.subPackages.some((s) => s.root === root)).toBe(true)
    }
  })
})

describe('navigation in the source', () => {
  it('names only pages that exist', () => {
    // Every literal page address: url="…", go('…'), `…${x}`, requireLogin(auth, '…') and the like.
    const address = /['"`](\/(?:pages|pkg-[a-z]+)\/[a-z0-9_-]+\/[a-z0-9_-]+)(?=[?'"`$])/gi
    const seen = new Set()
    for (const file of sources(SRC)) {
      // routes.js is the one file that names the old addresses, to map them.
      if (file.endsWith(join('utils', 'routes.js'))) continue
      const text = readFileSync(file, 'utf8')
      for (const [, path] of text.matchAll(address)) {
        seen.add(path)
        expect(ALL.has(path), `${relative(SRC, file)} names ${path}`).toBe(true)
      }
    }
    // The check found the navigation (it is not vacuous).
    expect(seen.size).toBeGreaterThan(15)
    expect(seen).toContain('/pkg-trade/checkout/index')
  })
})

describe('addresses from before the subpackages', () => {
  it('map every moved page to where it is now, query kept', () => {
    for (const page of SUB) {
      const [, , folder, name] = page.split('/')
      if (NEW_FOLDERS[folder]) expect(currentPath(`/pages/${folder}/${name}`)).toBe(`/pages/${folder}/${name}`)
      else expect(currentPath(`/pages/${folder}/${name}`)).toBe(page)
    }
    expect(currentPath('/pages/orders/index?status=paid')).toBe('/pkg-trade/orders/index?status=paid')
    expect(currentPath('pages/orders/detail?order_no=A1')).toBe('pkg-trade/orders/detail?order_no=A1')
    // Pages that stayed, and anything else, are left alone.
    for (const page of MAIN) expect(currentPath(page)).toBe(page)
    expect(currentPath('/pkg-trade/orders/index')).toBe('/pkg-trade/orders/index')
    expect(currentPath('/pages/nope/index')).toBe('/pages/nope/index')
    expect(currentPath('/pages/constructor/x')).toBe('/pages/constructor/x')
    expect(currentPath('')).toBe('')
  })

  it('redirect an H5 bookmark, in history or hash form', () => {
    const at = (pathname, search = '', hash = '') => legacyRedirect({ pathname, search, hash })
    expect(at('/pages/orders/index')).toBe('/pkg-trade/orders/index')
    expect(at('/pages/orders/index', '?status=paid')).toBe('/pkg-trade/orders/index?status=paid')
    expect(at('/', '', '#/pages/orders/index?status=paid')).toBe('/pkg-trade/orders/index?status=paid')
    expect(at('/', '', '#/pages/product/detail?id=4')).toBe('/pages/product/detail?id=4')
    expect(at('/pkg-trade/orders/index', '?status=paid')).toBe('')
    expect(at('/pages/product/detail', '?id=4')).toBe('')
    expect(at('/', '', '#top')).toBe('')
  })

  it('open an old mini program path (WeChat onPageNotFound) at the page, anything else at home', () => {
    expect(notFoundRoute({ path: 'pages/orders/detail', query: { order_no: 'A1' } })).toEqual({
      method: 'redirectTo', url: '/pkg-trade/orders/detail?order_no=A1',
    })
    expect(notFoundRoute({ path: 'pages/gone/index', query: {} })).toEqual({ method: 'switchTab', url: '/pages/index/index' })
  })
})
