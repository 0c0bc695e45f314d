/// <reference types="vitest/config" />
import { readFileSync } from 'node:fs'
import { fileURLToPath, URL } from 'node:url'
import vue from '@vitejs/plugin-vue'
import { defineConfig, type Plugin } from 'vite'

const OPENAPI = fileURLToPath(new URL('./src/api/openapi.json', import.meta.url))
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch']

/**
 * `virtual:openapi-operations`: the "METHOD /path" list of the committed OpenAPI snapshot, so the
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
      const spec = JSON.parse(readFileSync(OPENAPI, 'utf8')) as {
        paths: Record<string, Record<string, unknown>>
      }
      const ops: string[] = []
      for (const [path, item] of Object.entries(spec.paths)) {
        for (const method of Object.keys(item)) {
          if (HTTP_METHODS.includes(method)) {
            ops.push(`${method.toUpperCase()} ${path.replace(/\{[^}]+\}/g, '{}')}`)
          }
        }
      }
      return `export default ${JSON.stringify(ops.sort())}`
    },
  }
}

export default defineConfig({
  base: '/console/',
  plugins: [vue(), openapiOperations()],
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
    rollupOptions: {
      output: {
        manualChunks(id) {
          if (id.includes('node_modules/echarts') || id.includes('node_modules/zrender')) {
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
  },
})
