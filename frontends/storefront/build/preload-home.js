// Preloads the home page's code with the framework, instead of after it.
//
// uni-app's H5 router loads each page as a lazy chunk, so a shopper's first visit fetched the
// runtime, ran it, and only then asked for the home page chunk and its imports, one more round
// trip each on a phone network. This plugin adds `<link rel="modulepreload">` for the home page
// chunk and every chunk it imports, and `<link rel="preload" as="style">` for their CSS, to
// index.html: they download while the runtime does. Deep links to other pages pay for ~10 KB
// they may not need; `make bench` measures the effect (docs/benchmarks.md, front-end budgets).

/** The page whose code is preloaded: the first entry of pages.json, the tab a visit lands on. */
export const HOME_PAGE = 'pages/index/index'

/**
 * File names of `entry` and of every chunk it imports statically, depth first, once each.
 * @param {Record<string, any>} bundle
 * @param {string} entry
 * @returns {{ js: string[], css: string[] }}
 */
export function chunkClosure(bundle, entry) {
  const js = []
  const css = []
  const seen = new Set()
  const visit = (fileName) => {
    if (seen.has(fileName)) return
    seen.add(fileName)
    const chunk = bundle[fileName]
    // The entry chunk is in index.html already, with its CSS.
    if (!chunk || chunk.type !== 'chunk' || chunk.isEntry) return
    js.push(fileName)
    for (const file of chunk.viteMetadata?.importedCss ?? []) if (!css.includes(file)) css.push(file)
    for (const imported of chunk.imports ?? []) visit(imported)
  }
  visit(entry)
  return { js, css }
}

/**
 * The chunk holding `page` (its facade module is the page's .vue file).
 * @param {Record<string, any>} bundle
 * @param {string} page
 * @returns {string | undefined}
 */
export function pageChunk(bundle, page) {
  return Object.keys(bundle).find((fileName) => {
    const chunk = bundle[fileName]
    return chunk.type === 'chunk' && chunk.isDynamicEntry && (chunk.facadeModuleId ?? '').includes(`/${page}.vue`)
  })
}

/**
 * The `<link>` tags for index.html: modulepreload for the home page's chunks, preload for their CSS.
 * @param {Record<string, any> | undefined} bundle
 * @returns {import('vite').HtmlTagDescriptor[]}
 */
export function preloadTags(bundle) {
  if (!bundle) return []
  const entry = pageChunk(bundle, HOME_PAGE)
  if (!entry) return []
  const { js, css } = chunkClosure(bundle, entry)
  /** @type {'head'} */
  const head = 'head'
  return [
    ...js.map((file) => ({ tag: 'link', attrs: { rel: 'modulepreload', crossorigin: '', href: `/${file}` }, injectTo: head })),
    ...css.map((file) => ({ tag: 'link', attrs: { rel: 'preload', as: 'style', href: `/${file}` }, injectTo: head })),
  ]
}

/** @returns {import('vite').Plugin} */
export function preloadHome() {
  return {
    name: 'shoplet:preload-home',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler: (_html, ctx) => preloadTags(ctx.bundle),
    },
  }
}
