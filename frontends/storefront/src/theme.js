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
