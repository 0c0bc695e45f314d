import { fileURLToPath, URL } from 'node:url'
import { defineConfig } from 'vite'
import uni from '@dcloudio/vite-plugin-uni'
import { selfHosted } from './build/self-hosted'
import { preloadHome } from './build/preload-home'

export default defineConfig({
  plugins: [uni(), selfHosted(), preloadHome()],
  resolve: {
    // The glossary and the OpenAPI checks shared with the console (frontends/shared).
    alias: { '@shoplet/shared': fileURLToPath(new URL('../shared/src', import.meta.url)) },
  },
})
