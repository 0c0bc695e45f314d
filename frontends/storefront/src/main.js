import { createSSRApp } from 'vue'
import * as Pinia from 'pinia'
import App from './App.vue'
import { usePrefsStore } from './stores/prefs'
import { replayPageShow } from './utils/replay'
import { tapmapHide, tapmapPageShow } from './utils/tapmap'
import { trackPageShow } from './utils/tracking'
// #ifdef H5
import { legacyRedirect } from './utils/routes'

// A bookmark from before the subpackages (/pages/orders/index) opens that page where it is now
// (/pkg-trade/orders/index): the address is replaced before the router first reads it.
const moved = legacyRedirect(window.location)
if (moved) window.history.replaceState(window.history.state, '', moved)
// #endif

function replayTopPage() {
  // #ifdef H5
  try {
    const pages = getCurrentPages()
    const top = pages[pages.length - 1]
    if (top && top.route) replayPageShow(top.route)
  } catch {
    // measurement never breaks the app
  }
  // #endif
}

function tapmapTopPage() {
  // #ifdef MP-WEIXIN
  try {
    const pages = getCurrentPages()
    const top = pages[pages.length - 1]
    if (top && top.route) tapmapPageShow(top.route)
  } catch {
    // measurement never breaks the app
  }
  // #endif
}

export function createApp() {
  const app = createSSRApp(App)
  app.use(Pinia.createPinia())
  app.mixin({
    // 高对比度 on the tab bar: uni.setTabBarStyle only takes while a tab page is showing, so every
    // page applies it when it shows (off a tab page the call fails quietly).
    onShow() {
      usePrefsStore().applyTabBar()
      // 统计: a page view per page shown (nothing before consent on H5; docs/analytics.md).
      trackPageShow()
      // 会话回放 (H5, after consent, sampled): the page's recording (docs/analytics.md).
      replayTopPage()
      // 点击热力图 / 滚动深度 of the mini program (sampled alike): the page's taps and depth.
      tapmapTopPage()
    },
    onHide() {
      // #ifdef MP-WEIXIN
      tapmapHide()
      // #endif
    },
  })
  return { app, Pinia }
}
