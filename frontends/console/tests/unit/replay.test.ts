import { describe, expect, it } from 'vitest'
import { formatBytes, formatDuration, heatColour, heatmapHeight } from '@/lib/replay'

describe('replay helpers', () => {
  it('formats durations and sizes', () => {
    expect(formatDuration(0)).toBe('0:00')
    expect(formatDuration(65_400)).toBe('1:05')
    expect(formatDuration(3_723_000)).toBe('1:02:03')
    expect(formatBytes(512)).toBe('512 B')
    expect(formatBytes(2048)).toBe('2.0 KB')
    expect(formatBytes(3 * 1024 * 1024)).toBe('3.0 MB')
  })

  it('colours cold to hot and sizes the board to the lowest click', () => {
    expect(heatColour(1, 10)).toMatch(/^hsla\(216, 100%, 50%, 0\.30\)$/)
    expect(heatColour(10, 10)).toBe('hsla(0, 100%, 50%, 0.75)')
    expect(heatColour(0, 0)).toBe('hsla(240, 100%, 50%, 0.25)')
    expect(heatmapHeight([], 375, 375, 20)).toBe(667)
    expect(heatmapHeight([{ x: 0, y: 1200, count: 1 }], 375, 375, 20)).toBe(1260)
  })
})
