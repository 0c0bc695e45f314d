import { describe, expect, it } from 'vitest'
import { bezierPoint, cubicBezier, EASE, flyPath } from '../../src/utils/motion'

describe('Bézier curves', () => {
  it('starts and ends on the end points', () => {
    const p0 = { x: 0, y: 0 }
    const p3 = { x: 100, y: 50 }
    expect(bezierPoint(p0, { x: 10, y: -80 }, { x: 90, y: -80 }, p3, 0)).toEqual(p0)
    expect(bezierPoint(p0, { x: 10, y: -80 }, { x: 90, y: -80 }, p3, 1)).toEqual(p3)
  })

  it('computes CSS cubic-bezier easings like the browser', () => {
    const linear = cubicBezier(0, 0, 1, 1)
    for (const t of [0, 0.1, 0.5, 0.9, 1]) expect(linear(t)).toBeCloseTo(t, 5)
    const ease = cubicBezier(0.25, 0.1, 0.25, 1)
    // Reference values of CSS `ease`.
    expect(ease(0.5)).toBeCloseTo(0.8024, 3)
    expect(ease(0.25)).toBeCloseTo(0.4085, 3)
    // The pop easing overshoots past 1 before settling.
    const pop = cubicBezier(...EASE.pop)
    expect(Math.max(...Array.from({ length: 50 }, (_, i) => pop(i / 50)))).toBeGreaterThan(1)
    expect(pop(1)).toBe(1)
  })
})

describe('fly-to-cart path', () => {
  it('arcs above both points from the add button to the cart icon', () => {
    const from = { x: 260, y: 800 }
    const to = { x: 90, y: 780 }
    const path = flyPath(from, to, { lift: 90, samples: 20 })
    expect(path.points[0]).toEqual(from)
    expect(path.points.at(-1)).toEqual(to)
    expect(path.dx).toBe(-170)
    expect(path.dy).toBe(-20)
    const top = Math.min(...path.points.map((p) => p.y))
    expect(top).toBeLessThan(Math.min(from.y, to.y) - 50)
    // x moves linearly in the curve parameter: the outer box's linear transition.
    path.points.forEach((p, i) => expect(p.x).toBeCloseTo(from.x + (path.dx * i) / 20, 6))
  })

  it('its CSS easing for y traces the same curve as the sampled points', () => {
    const from = { x: 300, y: 820 }
    const to = { x: 60, y: 760 }
    const path = flyPath(from, to, { samples: 10 })
    const ease = cubicBezier(...path.yEasing)
    path.points.forEach((p, i) => expect(from.y + path.dy * ease(i / 10)).toBeCloseTo(p.y, 0))
    expect(path.css).toBe(`cubic-bezier(${path.yEasing.join(', ')})`)
  })

  it('keeps the easing finite when both ends share the bottom bar', () => {
    const path = flyPath({ x: 250, y: 810 }, { x: 70, y: 810 })
    expect(path.dy).toBe(12)
    expect(path.yEasing.every(Number.isFinite)).toBe(true)
    expect(Math.min(...path.points.map((p) => p.y))).toBeLessThan(760)
  })
})
