import { createSSRApp } from 'vue'
import * as Pinia from 'pinia'
import App from './App.vue'
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
  return { app, Pinia }
}
