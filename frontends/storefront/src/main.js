import { createSSRApp } from 'vue'
import * as Pinia from 'pinia'
import App from './App.vue'
import { usePrefsStore } from './stores/prefs'

export function createApp() {
  const app = createSSRApp(App)
  app.use(Pinia.createPinia())
  app.mixin({
    // 高对比度 on the tab bar: uni.setTabBarStyle only takes while a tab page is showing, so every
    // page applies it when it shows (off a tab page the call fails quietly).
    onShow() {
      usePrefsStore().applyTabBar()
    },
  })
  return { app, Pinia }
}
