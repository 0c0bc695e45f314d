/// <reference types="vite/client" />

declare module 'virtual:openapi-operations' {
  /** "METHOD /path" of every operation in frontends/shared/src/openapi.json, path parameters as `{}`. */
  const operations: string[]
  export default operations
}
