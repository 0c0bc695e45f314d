import { describe, expect, it } from 'vitest'
import { FOCUS_RING_PAIRS, HIGH_CONTRAST_ICONS, highContrastIcon, THEME } from '../../src/theme'
import { contrastRatio } from '../../src/utils/color'

describe('高对比度 icons and focus rings', () => {
  it('draws every theme icon colour in a high-contrast one that keeps 3:1 on its surface', () => {
    for (const [normal, hc] of Object.entries(HIGH_CONTRAST_ICONS)) {
      expect(highContrastIcon(normal)).toBe(hc)
      // White icons sit on filled controls (the high-contrast accent); the rest on white.
      const surface = hc === THEME.hcBg ? THEME.hcAccent : THEME.hcBg
      expect(contrastRatio(hc, surface), `${normal} → ${hc} on ${surface}`).toBeGreaterThanOrEqual(3)
    }
    // The icons that carry meaning (not the disabled grey) reach the 7:1 of the text.
    for (const colour of ['#1f1f1f', '#595959', '#c81e1e', '#0f6e3c']) {
      expect(contrastRatio(highContrastIcon(colour), THEME.hcBg)).toBeGreaterThanOrEqual(7)
    }
  })

  it('maps colours outside the theme to black or white by lightness, and ignores junk', () => {
    expect(highContrastIcon('#FFFFFF')).toBe('#ffffff')
    expect(highContrastIcon('#e6e6e6')).toBe('#ffffff')
    expect(highContrastIcon('#ff4d4f')).toBe('#000000')
    expect(highContrastIcon('#333')).toBe('#000000')
    expect(highContrastIcon('red')).toBe('#000000')
    expect(highContrastIcon('')).toBe('#000000')
  })

  it('keeps the focus ring at 3:1 against every surface it is drawn on', () => {
    for (const [ring, surface] of FOCUS_RING_PAIRS) {
      expect(contrastRatio(ring, surface), `${ring} on ${surface}`).toBeGreaterThanOrEqual(3)
    }
  })
})
