// Keeps the H5 build free of third-party hosts. uni-app's H5 runtime ships two of them:
// - the navigation bar shadow images (`titleNView` shadow, and a `body:after` animation that
//   preloads the grey one) on cdn.dcloud.net.cn, appended to its framework CSS at build time;
// - the uni-ad report/config endpoints (hac1/has1.dcloud.net.cn), dead code here: Shoplet uses
//   no <ad> component.
// The shadows become CSS gradients drawn by the browser, and the ad endpoints a `data:` URL that
// never leaves the page. @google/model-viewer (the 3D showroom) would fetch its Draco and KTX2
// decoders and its Lottie loader from gstatic.com / jsdelivr.net for compressed models; those
// defaults point at the shop's own /static/model-viewer/ instead (Shoplet's models are plain GLB,
// so nothing is fetched there; a compressed model would not show on H5 rather than reach out). `npm run check:dist` (shared/scripts/check-dist-hosts.mjs) fails the
// build check on any other host.

const SHADOW_COLOURS = {
  grey: 'rgba(0, 0, 0, 0.12)',
  blue: 'rgba(0, 122, 255, 0.25)',
  green: 'rgba(76, 217, 100, 0.25)',
  orange: 'rgba(240, 173, 78, 0.25)',
  red: 'rgba(221, 82, 77, 0.25)',
  yellow: 'rgba(255, 204, 0, 0.25)',
}

const SHADOW_URL = /url\((['"]?)https?:\/\/cdn\d*\.(?:dcloud\.net\.cn|dcimg\.net)\/img\/shadow-(\w+)\.png\1\)/g
const AD_URL = /(["'])https?:\/\/(?:t-)?ha[cs]\d*\.dcloud\.net\.cn\/[\w/]*\1/g

const VIEWER_DEFAULTS = /(const DEFAULT_(DRACO_DECODER|KTX2_TRANSCODER|LOTTIE_LOADER)_LOCATION = )'https:\/\/[^']+'/g
const VIEWER_PATHS = {
  DRACO_DECODER: '/static/model-viewer/draco/',
  KTX2_TRANSCODER: '/static/model-viewer/basis/',
  LOTTIE_LOADER: '/static/model-viewer/LottieLoader.js',
}

/**
 * model-viewer's decoder and loader locations on the shop's own origin; null when absent.
 * @param {string} code
 * @returns {string | null}
 */
export function selfHostViewer(code) {
  if (!code.includes('DEFAULT_DRACO_DECODER_LOCATION')) return null
  return code.replace(VIEWER_DEFAULTS, (_, head, name) => `${head}'${VIEWER_PATHS[/** @type {keyof typeof VIEWER_PATHS} */ (name)]}'`)
}

/**
 * Rewrites uni-app's third-party URLs in `code`; returns null when there is none.
 * @param {string} code
 * @returns {string | null}
 */
export function selfHost(code) {
  if (!code.includes('dcloud.net.cn') && !code.includes('dcimg.net')) return null
  return code
    .replace(SHADOW_URL, (_, _quote, colour) => {
      const rgba = SHADOW_COLOURS[/** @type {keyof typeof SHADOW_COLOURS} */ (colour)] || SHADOW_COLOURS.grey
      return `linear-gradient(to bottom, ${rgba}, transparent)`
    })
    .replace(AD_URL, (_, quote) => `${quote}data:,${quote}`)
}

/** @returns {import('vite').Plugin} */
export function selfHosted() {
  return {
    name: 'shoplet:self-hosted',
    enforce: 'post',
    transform(code, id) {
      if (id.includes('@google/model-viewer')) {
        const viewer = selfHostViewer(code)
        return viewer === null ? null : { code: viewer, map: null }
      }
      if (!id.includes('@dcloudio')) return null
      const out = selfHost(code)
      return out === null ? null : { code: out, map: null }
    },
    generateBundle(_options, bundle) {
      // Framework CSS that uni-app concatenates itself (not through `transform`).
      for (const file of Object.values(bundle)) {
        if (file.type === 'asset' && typeof file.source === 'string') {
          const out = selfHost(file.source)
          if (out !== null) file.source = out
        } else if (file.type === 'chunk') {
          const out = selfHost(file.code)
          if (out !== null) file.code = out
        }
      }
    },
  }
}
