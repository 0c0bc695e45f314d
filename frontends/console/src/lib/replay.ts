/** 会话回放 and 点击热力图 helpers: durations, sizes and the heat colour scale (pure, tested). */

/** 1:05 or 1:02:03 from milliseconds. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000))
  const h = Math.floor(total / 3600)
  const m = Math.floor((total % 3600) / 60)
  const s = String(total % 60).padStart(2, '0')
  return h ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`
}

/** 12.3 KB / 1.2 MB. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`
}

/** A cell's colour from cold (blue, few clicks) to hot (red), alpha growing with the count. */
export function heatColour(count: number, max: number): string {
  const t = max > 0 ? Math.min(1, count / max) : 0
  const hue = Math.round(240 * (1 - t))
  return `hsla(${hue}, 100%, 50%, ${(0.25 + 0.5 * t).toFixed(2)})`
}

export interface HeatCell {
  x: number
  y: number
  count: number
}

/** Draw the cells on a canvas `width` CSS px wide: x in permille, y in px at `referenceWidth`. */
export function drawHeatmap(
  ctx: CanvasRenderingContext2D,
  cells: HeatCell[],
  opts: { width: number; referenceWidth: number; cellX: number; cellY: number; max: number },
): void {
  const scale = opts.width / opts.referenceWidth
  const w = (opts.cellX / 1000) * opts.width
  const h = opts.cellY * scale
  for (const c of cells) {
    const x = (c.x / 1000) * opts.width + w / 2
    const y = c.y * scale + h / 2
    const r = Math.max(w, h) * 1.2
    const g = ctx.createRadialGradient(x, y, 0, x, y, r)
    g.addColorStop(0, heatColour(c.count, opts.max))
    g.addColorStop(1, 'hsla(0, 0%, 100%, 0)')
    ctx.fillStyle = g
    ctx.fillRect(x - r, y - r, 2 * r, 2 * r)
  }
}

/** Height the canvas needs: the lowest cell plus a margin, at least one phone screen. */
export function heatmapHeight(cells: HeatCell[], width: number, referenceWidth: number, cellY: number): number {
  const scale = width / referenceWidth
  const lowest = cells.reduce((m, c) => Math.max(m, c.y + cellY), 0)
  return Math.max(667 * scale, Math.ceil(lowest * scale) + 40)
}
