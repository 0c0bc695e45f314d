import { luminance } from './utils/color'

// Colour tokens. Every text/background pair listed in TEXT_PAIRS meets WCAG 2.1 AA (4.5:1);
// tests/unit/theme.test.js keeps it that way. The same values are in App.vue's CSS variables.
export const THEME = {
  accent: '#c81e1e',
  accentStrong: '#9a1414',
  orange: '#c2410c',
  text: '#1f1f1f',
  muted: '#595959',
  bg: '#f5f5f5',
  surface: '#ffffff',
  tint: '#fff1f0',
  success: '#0f6e3c',
  elderText: '#000000',
  elderMuted: '#262626',
  // 高对比度 (App.vue .high-contrast): every pair in HIGH_CONTRAST_PAIRS reaches 7:1 (WCAG AAA).
  hcText: '#000000',
  hcBg: '#ffffff',
  hcAccent: '#8a0000',
  hcLink: '#0b3a8f',
  hcSuccess: '#064d29',
}

export const HIGH_CONTRAST_PAIRS = [
  ['hcText', 'hcBg'],
  ['hcAccent', 'hcBg'],
  ['hcLink', 'hcBg'],
  ['hcSuccess', 'hcBg'],
  ['hcBg', 'hcAccent'],
]

export const TEXT_PAIRS = [
  ['text', 'bg'],
  ['text', 'surface'],
  ['muted', 'bg'],
  ['muted', 'surface'],
  ['accent', 'surface'],
  ['accent', 'bg'],
  ['accent', 'tint'],
  ['surface', 'accent'],
  ['surface', 'orange'],
  ['surface', 'accentStrong'],
  ['success', 'surface'],
  ['elderText', 'surface'],
  ['elderMuted', 'bg'],
]

// 高对比度 reaches the icons: AppIcon draws each theme colour in its high-contrast counterpart
// (dark greys become black, the accent the dark accent, white stays white for icons on filled
// buttons). Every icon colour keeps 3:1 (WCAG 1.4.11) against the high-contrast surface it sits
// on (tests/unit/high-contrast.test.js).
export const HIGH_CONTRAST_ICONS = {
  '#1f1f1f': '#000000',
  '#595959': '#000000',
  '#b3b3b3': '#595959',
  '#c81e1e': '#8a0000',
  '#0f6e3c': '#064d29',
  '#ffffff': '#ffffff',
}

/**
 * The colour an icon drawn in `color` takes under 高对比度: the mapped theme colour, else black
 * for a dark colour and white for a light one (a light icon sits on a dark or filled control).
 * @param {string} color
 */
export function highContrastIcon(color) {
  const key = String(color || '').toLowerCase()
  if (HIGH_CONTRAST_ICONS[key]) return HIGH_CONTRAST_ICONS[key]
  if (!/^#([0-9a-f]{3}|[0-9a-f]{6})$/.test(key)) return THEME.hcText
  return luminance(key) > 0.5 ? THEME.hcBg : THEME.hcText
}

// Focus rings (App.vue :focus-visible): the ring colour against every surface it is drawn on.
// Normal: a blue ring on the grey page and on white cards; 高对比度: a black ring with a yellow
// halo on white. WCAG 2.2 focus appearance asks 3:1.
export const FOCUS_RING = { normal: '#1d4ed8', highContrast: '#000000', halo: '#ffd400' }
export const FOCUS_RING_PAIRS = [
  [FOCUS_RING.normal, THEME.bg],
  [FOCUS_RING.normal, THEME.surface],
  [FOCUS_RING.normal, THEME.tint],
  [FOCUS_RING.highContrast, THEME.hcBg],
  [FOCUS_RING.highContrast, FOCUS_RING.halo],
]
