// Motion helpers: cubic Bézier curves for the fly-to-cart arc and the easing of the other small
// animations. Every caller checks the prefs store's `motionReduced` first and skips the motion.

/**
 * A point of the cubic Bézier curve p0 → p3 (control points p1, p2) at t ∈ [0, 1].
 * @param {{x: number, y: number}} p0
 * @param {{x: number, y: number}} p1
 * @param {{x: number, y: number}} p2
 * @param {{x: number, y: number}} p3
 * @param {number} t
 */
export function bezierPoint(p0, p1, p2, p3, t) {
  const u = 1 - t
  const a = u * u * u
  const b = 3 * u * u * t
  const c = 3 * u * t * t
  const d = t * t * t
  return { x: a * p0.x + b * p1.x + c * p2.x + d * p3.x, y: a * p0.y + b * p1.y + c * p2.y + d * p3.y }
}

/**
 * A CSS `cubic-bezier()` easing as a function of time, like the browser computes it: solves
 * x(s) = t for the curve parameter s (Newton steps, then bisection), returns y(s).
 * @param {number} x1
 * @param {number} y1
 * @param {number} x2
 * @param {number} y2
 * @returns {(t: number) => number}
 */
export function cubicBezier(x1, y1, x2, y2) {
  const coord = (/** @type {number} */ s, /** @type {number} */ a, /** @type {number} */ b) =>
    3 * a * s * (1 - s) * (1 - s) + 3 * b * s * s * (1 - s) + s * s * s
  const slope = (/** @type {number} */ s, /** @type {number} */ a, /** @type {number} */ b) =>
    3 * a * (1 - s) * (1 - s) + 6 * (b - a) * s * (1 - s) + 3 * (1 - b) * s * s
  return (t) => {
    if (t <= 0) return 0
    if (t >= 1) return 1
    let s = t
    for (let i = 0; i < 8; i++) {
      const err = coord(s, x1, x2) - t
      if (Math.abs(err) < 1e-6) return coord(s, y1, y2)
      const d = slope(s, x1, x2)
      if (Math.abs(d) < 1e-6) break
      s -= err / d
    }
    let lo = 0
    let hi = 1
    s = t
    for (let i = 0; i < 40; i++) {
      const x = coord(s, x1, x2)
      if (Math.abs(x - t) < 1e-6) break
      if (x < t) lo = s
      else hi = s
      s = (lo + hi) / 2
    }
    return coord(s, y1, y2)
  }
}

/** The easings the storefront's animations use (also written as CSS in the components). */
export const EASE = {
  // Overshoots a little, then settles: the cart icon's bump, the heart's beat.
  pop: [0.34, 1.56, 0.64, 1],
  // Fast start, soft landing: sheets and the gallery.
  out: [0.22, 1, 0.36, 1],
}

/**
 * The fly-to-cart arc from the add button to the cart icon (centres of the two elements, page
 * pixels). The curve rises `lift` px above the higher point and lands on the icon. The component
 * moves an outer box linearly along x (`dx`) and an inner dot along y (`dy`) with the CSS easing
 * `css`: the x control points sit at 1/3 and 2/3, so x is linear in the curve parameter and the
 * two transitions together trace exactly `points`, the same cubic Bézier sampled. When both ends
 * are at about the same height (the add button and the cart icon share the bottom bar) the dot
 * lands `minDrop` px lower, which keeps the y easing finite.
 * @param {{x: number, y: number}} from
 * @param {{x: number, y: number}} to
 * @param {{ lift?: number, duration?: number, samples?: number, minDrop?: number }} [opts]
 */
export function flyPath(from, to, opts = {}) {
  const lift = opts.lift ?? 90
  const duration = opts.duration ?? 560
  const samples = opts.samples ?? 12
  const minDrop = opts.minDrop ?? 12
  const end = Math.abs(to.y - from.y) < minDrop ? { x: to.x, y: from.y + minDrop } : to
  const top = Math.min(from.y, end.y) - lift
  const c1 = { x: from.x + (end.x - from.x) / 3, y: top }
  const c2 = { x: from.x + ((end.x - from.x) * 2) / 3, y: top }
  const points = Array.from({ length: samples + 1 }, (_, i) => bezierPoint(from, c1, c2, end, i / samples))
  const dy = end.y - from.y
  const round = (/** @type {number} */ v) => Math.round(v * 10000) / 10000
  const yEasing = [round(1 / 3), round((c1.y - from.y) / dy), round(2 / 3), round((c2.y - from.y) / dy)]
  return { dx: end.x - from.x, dy, duration, points, yEasing, css: `cubic-bezier(${yEasing.join(', ')})` }
}
