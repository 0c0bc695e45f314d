// 3D 样板间: a product's 3D model (`model3d` of the product detail) and its 360° sprite, the
// view of the mini program (no WebGL web component there) and of browsers without WebGL.

/**
 * The product's model, or null: `{ url, alt, poster, sprite }`, `sprite` null until drawn.
 * @param {any} p a product detail
 */
export function model3dOf(p) {
  const m = p && p.model3d
  return m && m.url ? { url: m.url, alt: m.alt || '', poster: m.poster || '', sprite: m.sprite || null } : null
}

/**
 * Where frame `index` sits in the sheet, as a CSS translation of the sheet inside a square box
 * of `box` px (frame 0 top left, row by row).
 * @param {{ frames: number, columns: number, rows: number }} sprite
 * @param {number} index
 * @param {number} box
 */
export function spriteFrame(sprite, index, box) {
  const n = Math.max(1, sprite.frames)
  const i = ((Math.trunc(index) % n) + n) % n
  const col = i % sprite.columns
  const row = Math.floor(i / sprite.columns)
  return {
    width: `${sprite.columns * box}px`,
    height: `${sprite.rows * box}px`,
    transform: `translate(${-col * box}px, ${-row * box}px)`,
  }
}

/** Frames to turn for a drag of `dx` px: a swipe across a phone (≈ 300 px) is about one turn. */
export function framesForDrag(dx, frames, width = 300) {
  return Math.trunc((dx / width) * frames)
}

/** True when this browser can draw WebGL (H5); the mini program never runs the web component. */
export function webglAvailable() {
  if (typeof document === 'undefined') return false
  try {
    const canvas = document.createElement('canvas')
    return Boolean(canvas.getContext('webgl2') || canvas.getContext('webgl'))
  } catch {
    return false
  }
}
