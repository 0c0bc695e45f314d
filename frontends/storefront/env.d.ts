/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** The API origin of a mini program build (docs/storefront.md). */
  readonly VITE_API_BASE?: string
}

interface Window {
  /** Set once the H5 accessibility bridge is installed (src/platform/a11y-h5.js). */
  __shopletA11y?: boolean
}
