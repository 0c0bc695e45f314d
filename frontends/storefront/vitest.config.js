import { fileURLToPath, URL } from 'node:url'
import { defineConfig } from 'vitest/config'

// Unit tests run the plain modules (stores, helpers, API client) in jsdom, without the uni-app
// compiler; tests/unit/setup.js provides the few `uni.*` functions they touch.
export default defineConfig({
  resolve: {
    alias: { '@shoplet/shared': fileURLToPath(new URL('../shared/src', import.meta.url)) },
  },
  test: {
    environment: 'jsdom',
    include: ['tests/unit/**/*.test.js'],
    setupFiles: ['tests/unit/setup.js'],
    testTimeout: 20000,
  },
})
