import { createSSRApp } from 'vue'
import * as Pinia from 'pinia'
import App from './App.vue'
import { usePrefsStore } from './stores/prefs'
import { trackPageShow } from './utils/tracking'
// #ifdef H5
import { legacyRedirect } from './utils/routes'

// A bookmark from before the subpackages (/pages/orders/index) opens that page where it is now
// (/pkg-trade/orders/index): the address is replaced before the router first reads it.
const moved = legacyRedirect(window.location)
if (moved) window.history.replaceState(window.history.state, '', moved)
// #endif

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
    },
  })
  return { app, Pinia }
}
