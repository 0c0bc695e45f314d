import { defineConfig } from 'vitest/config'

// Mini program checks: run against dist/build/mp-weixin (`make storefront-mp` builds it) with
// miniprogram-simulate and WeChat's official WXML compiler.
export default defineConfig({
  test: {
    environment: 'jsdom',
    include: ['tests/mp/**/*.test.js'],
    testTimeout: 30000,
    pool: 'forks',
  },
})
