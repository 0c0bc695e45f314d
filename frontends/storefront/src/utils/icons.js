// The storefront's icon set. Sources are the SVG files in src/icons (24×24, drawn with
// `currentColor`); an icon is shown as an `<image>` whose src is the SVG as a base64 data URI with
// the colour written in, which renders the same in the H5 shop and in the mini program (WeChat's
// `image` takes SVG data URIs, not inline SVG). The tab bar needs PNG files: scripts/tab-icons.py
// draws static/tab/*.png from the same sources.

/** @type {Record<string, string>} */
const RAW = import.meta.glob('../icons/*.svg', { query: '?raw', import: 'default', eager: true })

/** @type {Record<string, string>} icon name → SVG source */
export const ICONS = Object.fromEntries(
  Object.entries(RAW).map(([path, svg]) => [path.replace(/^.*\/([\w-]+)\.svg$/, '$1'), String(svg).trim()]),
)

export const ICON_NAMES = Object.keys(ICONS).sort()

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'

/**
 * Base64 of an ASCII string (the mini program has no btoa; the SVG sources are ASCII).
 * @param {string} text
 */
export function base64Ascii(text) {
  let out = ''
  for (let i = 0; i < text.length; i += 3) {
    const a = text.charCodeAt(i)
    const b = i + 1 < text.length ? text.charCodeAt(i + 1) : NaN
    const c = i + 2 < text.length ? text.charCodeAt(i + 2) : NaN
    const n = (a << 16) | ((b || 0) << 8) | (c || 0)
    out += B64[(n >> 18) & 63] + B64[(n >> 12) & 63]
    out += Number.isNaN(b) ? '=' : B64[(n >> 6) & 63]
    out += Number.isNaN(c) ? '=' : B64[n & 63]
  }
  return out
}

const COLOR = /^#[0-9a-fA-F]{3,8}$|^[a-z]+$/

/**
 * The SVG of icon `name` in `color` (a hex colour or a CSS colour name); '' for an unknown name.
 * @param {string} name
 * @param {string} color
 */
export function iconSvg(name, color) {
  const svg = ICONS[name]
  if (!svg) return ''
  const safe = COLOR.test(color) ? color : '#1f1f1f'
  return svg.replace(/currentColor/g, safe)
}

/** @type {Map<string, string>} */
const cache = new Map()

/**
 * A data URI of icon `name` drawn in `color`, for an `<image src>`.
 * @param {string} name
 * @param {string} [color]
 */
export function iconUri(name, color = '#1f1f1f') {
  const key = `${name}|${color}`
  let uri = cache.get(key)
  if (uri === undefined) {
    const svg = iconSvg(name, color)
    uri = svg ? `data:image/svg+xml;base64,${base64Ascii(svg)}` : ''
    cache.set(key, uri)
  }
  return uri
}
