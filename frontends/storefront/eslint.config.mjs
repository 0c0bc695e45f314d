// ESLint (flat config): JavaScript and Vue recommended rules over the storefront's sources,
// tests and build scripts. `npm run lint` must report zero problems (make storefront-test).
import js from '@eslint/js'
import pluginVue from 'eslint-plugin-vue'
import globals from 'globals'

export default [
  { ignores: ['dist/**', 'node_modules/**', 'unpackage/**'] },
  js.configs.recommended,
  ...pluginVue.configs['flat/recommended'],
  {
    files: ['**/*.{js,mjs,vue}'],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: {
        ...globals.browser,
        // The uni-app runtime (H5 and mini program) and WeChat's mini program globals.
        uni: 'readonly',
        wx: 'readonly',
        getApp: 'readonly',
        getCurrentPages: 'readonly',
        plus: 'readonly',
      },
    },
    rules: {
      // uni-app pages and components are single words by convention (pages/cart/index.vue).
      'vue/multi-word-component-names': 'off',
      // Layout is the formatter's business, not the linter's.
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/multiline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
      'vue/html-indent': 'off',
      'vue/html-closing-bracket-newline': 'off',
      'vue/first-attribute-linebreak': 'off',
      'no-unused-vars': ['error', { argsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    files: ['tests/**/*.js', 'vite.config.js', 'vitest*.config.js', 'build/**/*.js'],
    languageOptions: { globals: { ...globals.node } },
  },
]
