/// <reference types="vitest/config" />
import { readFileSync } from 'node:fs'
import { fileURLToPath, URL } from 'node:url'
import vue from '@vitejs/plugin-vue'
import { defineConfig, type Plugin } from 'vite'
import { operationKeys, type OpenApiSpec } from '../shared/src/operations'

const SHARED = fileURLToPath(new URL('../shared/src', import.meta.url))
const OPENAPI = `${SHARED}/openapi.json`

/**
 * `virtual:openapi-operations`: the "METHOD /path" list of the shared OpenAPI snapshot (frontends/shared/src/openapi.json), so the
 * bundle knows which backend operations exist without shipping the whole schema. Path parameter
 * names are normalised to `{}` (the client and the backend may name them differently).
 */
export function openapiOperations(): Plugin {
  const id = 'virtual:openapi-operations'
  const resolved = '\0' + id
  return {
    name: 'shoplet-openapi-operations',
    resolveId(source) {
      return source === id ? resolved : undefined
    },
    load(source) {
      if (source !== resolved) return undefined
      this.addWatchFile(OPENAPI)
      const spec = JSON.parse(readFileSync(OPENAPI, 'utf8')) as OpenApiSpec
      return `export default ${JSON.stringify(operationKeys(spec))}`
    },
  }
}

export default defineConfig({
  base: '/console/',
  plugins: [vue(), openapiOperations()],
  resolve: {
    alias: {
      '@shoplet/shared': SHARED,
      '@': fileURLToPath(new URL('./src', import.meta.url)),
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
    rollupOptions: {
      output: {
        manualChunks(id) {
          if (id.includes('node_modules/echarts/') || id.includes('node_modules/zrender/')) {
            return 'echarts'
          }
          if (id.includes('node_modules/element-plus') || id.includes('node_modules/@element-plus')) {
            return 'element-plus'
          }
          return undefined
        },
      },
    },
  },
  server: {
    // `npm run dev` next to `shoplet serve` (port 8000)
    proxy: { '/api': 'http://127.0.0.1:8000', '/media': 'http://127.0.0.1:8000' },
  },
  test: {
    environment: 'jsdom',
    include: ['tests/unit/**/*.test.ts'],
    // The router test imports every lazy view once: on a busy 2-core CI machine that can take
    // longer than vitest's 5 s default.
    testTimeout: 30_000,
  },
})
