import { describe, expect, it } from 'vitest'
import { drawScrollMap, pauseAt, formatBytes, formatDuration, heatColour, heatmapHeight, offsetOf, scrollColour, scrollMapHeight, scrollMarks } from '@/lib/replay'

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

  it('marks where 75, 50 and 25 % of visits stopped scrolling', () => {
    // Three visits: all saw 0–699, two 700–799, one down to 1099.
    const bands = [0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000].map((y) => {
      const reached = y < 700 ? 3 : y < 800 ? 2 : 1
      return { y, reached, share: reached / 3 }
    })
    expect(scrollMarks(bands, 100)).toEqual([
      { share: 0.75, y: 700 },
      { share: 0.5, y: 800 },
      { share: 0.25, y: 1100 },
    ])
    expect(scrollMarks([], 100)).toEqual([])
    expect(scrollColour(1)).toBe('hsla(0, 90%, 50%, 0.42)')
    expect(scrollColour(0)).toBe('hsla(240, 90%, 50%, 0.12)')
    expect(scrollMapHeight(bands, 375, 375, 100)).toBe(1100)
    expect(scrollMapHeight([], 750, 375, 100)).toBe(1334)
  })

  it('paints one band per 100 px and a line at each mark', () => {
    const calls: string[] = []
    const ctx = {
      fillRect: (_x: number, y: number, _w: number, h: number) => calls.push(`band ${y}+${h}`),
      fillText: (text: string) => calls.push(`label ${text}`),
      beginPath: () => {},
      moveTo: (_x: number, y: number) => calls.push(`line ${y}`),
      lineTo: () => {},
      stroke: () => {},
      setLineDash: () => {},
    } as unknown as CanvasRenderingContext2D
    drawScrollMap(ctx, [{ y: 0, reached: 2, share: 1 }, { y: 100, reached: 1, share: 0.5 }], { width: 750, referenceWidth: 375, band: 100 })
    expect(calls).toEqual(['band 0+200', 'band 200+200', 'line 200', 'label 75%', 'line 400', 'label 50%'])
  })

  it("places an error on the replay's clock", () => {
    expect(offsetOf(5_000, [{ timestamp: 2_000 }, { timestamp: 9_000 }])).toBe(3_000)
    expect(offsetOf(1_000, [{ timestamp: 2_000 }])).toBe(0)
    expect(offsetOf(1_000, [])).toBe(0)
  })

  it('pauses a recording on a page as last seen, before the next page began', () => {
    const events = [{ timestamp: 1_000 }, { timestamp: 1_200 }, { timestamp: 9_000 }]
    const starts = [
      { page: 'home', timestamp: 1_000 },
      { page: 'detail', timestamp: 2_000 },
      { page: 'cart', timestamp: 4_000 },
    ]
    expect(pauseAt(starts, 'home', events)).toBe(500) // 2,000 − 500 − 1,000
    expect(pauseAt(starts, 'cart', events)).toBe(6_000) // three seconds in
    expect(pauseAt([{ page: 'home', timestamp: 1_000 }, { page: 'x', timestamp: 1_100 }], 'home', events)).toBe(0)
    expect(pauseAt([{ page: 'cart', timestamp: 8_500 }], 'cart', events)).toBe(8_000) // the end
    expect(pauseAt(starts, 'none', events)).toBeNull()
    expect(pauseAt(starts, 'home', [])).toBeNull()
    // A click on the page (often what leaves it): just before it.
    const clicked = [...events, { timestamp: 4_900, type: 3, data: { source: 2, type: 2 } }, { timestamp: 4_950, type: 3, data: { source: 2, type: 1 } }]
    clicked.sort((a, b) => a.timestamp - b.timestamp)
    expect(pauseAt(starts, 'cart', clicked)).toBe(3_800)
    expect(pauseAt(starts, 'home', clicked)).toBe(500) // that click was on another page
  })
})
