import * as Icons from '@element-plus/icons-vue'
import ElementPlus from 'element-plus'
import zhCn from 'element-plus/es/locale/lang/zh-cn'
import 'element-plus/dist/index.css'
import { createPinia } from 'pinia'
import { createApp } from 'vue'
import App from './App.vue'
import { createConsoleRouter } from './router'
import { connectClient, useAuthStore } from './stores/auth'
import { useStepUpStore } from './stores/stepUp'
import './theme.css'

const app = createApp(App)
const pinia = createPinia()
app.use(pinia)
const router = createConsoleRouter()
const auth = useAuthStore(pinia)
connectClient(
  auth,
  () => {
    void router.push({ name: 'login', query: { redirect: router.currentRoute.value.fullPath } })
  },
  useStepUpStore(pinia),
)
app.use(router)
app.use(ElementPlus, { locale: zhCn })
for (const [name, component] of Object.entries(Icons)) app.component(name, component)
app.mount('#app')
