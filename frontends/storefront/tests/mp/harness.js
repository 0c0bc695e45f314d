// Runs compiled mini program pages in miniprogram-simulate (j-component + the official WXML
// compiler). The `wx` object here is the boundary to WeChat: storage in memory, UI calls
// recorded, and wx.request answered from the given routes (the same JSON shapes as the backend's
// OpenAPI schema), so the test exercises the real compiled page code end to end.
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join, resolve } from 'node:path'

const require = createRequire(import.meta.url)
export const MP_ROOT = resolve(__dirname, '../../dist/build/mp-weixin')

export function assertBuilt() {
  if (!existsSync(join(MP_ROOT, 'app.json'))) {
    throw new Error('dist/build/mp-weixin is missing: run `make storefront-mp` (npm run build:mp-weixin)')
  }
}

export function createWx(routes) {
  const storage = new Map()
  const calls = []
  const requests = []
  const ok = (name, extra = {}) => ({ errMsg: `${name}:ok`, ...extra })
  const done = (name, opts, result) => {
    calls.push({ name, opts })
    setTimeout(() => {
      opts && opts.success && opts.success(result || ok(name))
      opts && opts.complete && opts.complete(result || ok(name))
    }, 0)
  }
  const base = {
    getSystemInfoSync: () => ({
      windowWidth: 375, windowHeight: 667, screenWidth: 375, screenHeight: 667, pixelRatio: 2,
      platform: 'devtools', language: 'zh_CN', system: 'iOS 16.0', SDKVersion: '3.3.0', version: '8.0.40',
      brand: 'devtools', model: 'iPhone', safeArea: { top: 0, bottom: 667, left: 0, right: 375 },
    }),
    getStorageSync: (k) => (storage.has(k) ? storage.get(k) : ''),
    setStorageSync: (k, v) => storage.set(k, v),
    removeStorageSync: (k) => storage.delete(k),
    setStorage: ({ key, data }) => storage.set(key, data),
    getLaunchOptionsSync: () => ({ path: 'pages/index/index', query: {}, scene: 1001 }),
    request(opts) {
      const path = opts.url.replace(/^https?:\/\/[^/]+/, '').split('?')[0]
      const key = `${opts.method || 'GET'} ${path}`
      requests.push({ key, url: opts.url, data: opts.data, header: opts.header })
      const handler = routes[key]
      const res = handler ? handler(opts) : { statusCode: 404, data: { code: 'test.no_route', title: key } }
      const reply = res && res.statusCode ? res : { statusCode: 200, data: res, header: {} }
      setTimeout(() => opts.success && opts.success({ ...reply, errMsg: 'request:ok' }), 0)
      return { abort() {} }
    },
  }
  // The UI and navigation APIs the pages use: each succeeds and is recorded.
  for (const name of RECORDED_APIS) base[name] = (opts) => done(name, opts)
  base.login = (opts) => done('login', opts, { errMsg: 'login:ok', code: 'test-mp-user' })
  const wx = base
  return { wx, storage, calls, requests }
}

const RECORDED_APIS = [
  'showToast', 'showModal', 'showLoading', 'hideLoading', 'navigateTo', 'redirectTo', 'switchTab',
  'navigateBack', 'reLaunch', 'previewImage', 'setNavigationBarTitle', 'stopPullDownRefresh',
  'requestPayment', 'pageScrollTo', 'setTabBarBadge', 'removeTabBarBadge',
]

let loaded = false
let currentRoute = ''

/** Load the compiled app once (vendor.js, app.js) with the given wx. */
export function bootApp(wx) {
  globalThis.wx = wx
  if (loaded) return
  const simulate = require('miniprogram-simulate')
  const simComponent = globalThis.Component
  // uni-app treats a component with a `route` as a page (page lifecycle, onLoad).
  globalThis.Component = (def) => {
    const lifetimes = def.lifetimes || {}
    const attached = lifetimes.attached
    def.lifetimes = {
      ...lifetimes,
      attached() {
        if (currentRoute && !this.properties.uI) this.route = currentRoute
        if (process.env.MP_DEBUG) console.log('attached', this.is, JSON.stringify(this.properties))
        return attached && attached.call(this)
      },
    }
    return simComponent(def)
  }
  let app = null
  globalThis.Page = (o) => o
  globalThis.App = (o) => {
    app = o
    o.onLaunch && o.onLaunch.call(o, { path: 'pages/index/index', query: {} })
  }
  globalThis.getApp = () => app
  globalThis.getCurrentPages = () => []
  require(join(MP_ROOT, 'app.js'))
  loaded = true
  return simulate
}

/** Render a page like WeChat opens it: attach, then onLoad(query) and onShow. */
export async function openPage(route, query = {}) {
  const simulate = require('miniprogram-simulate')
  currentRoute = route
  const id = simulate.load(join(MP_ROOT, route), { compiler: 'official', rootPath: MP_ROOT })
  const page = simulate.render(id)
  page.attach(document.createElement('parent-wrapper'))
  page.instance.onLoad && page.instance.onLoad(query)
  page.instance.onShow && page.instance.onShow()
  await settle()
  return page
}

export async function settle(ms = 30) {
  for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, ms / 5))
}

export function tap(node) {
  node.dispatchEvent('tap')
}
