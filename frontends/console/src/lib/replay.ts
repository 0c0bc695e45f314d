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

export interface ScrollBand {
  y: number
  reached: number
  share: number
}

/** A band's colour by the share of visits that saw it: warm (most) to cold (few). */
export function scrollColour(share: number): string {
  const t = Math.max(0, Math.min(1, share))
  const hue = Math.round(240 * (1 - t))
  return `hsla(${hue}, 90%, 50%, ${(0.12 + 0.3 * t).toFixed(2)})`
}

/** Paint the bands on a canvas `width` CSS px wide: y and `band` in px at `referenceWidth`. */
export function drawScrollMap(
  ctx: CanvasRenderingContext2D,
  bands: ScrollBand[],
  opts: { width: number; referenceWidth: number; band: number },
): void {
  const scale = opts.width / opts.referenceWidth
  for (const b of bands) {
    ctx.fillStyle = scrollColour(b.share)
    ctx.fillRect(0, b.y * scale, opts.width, opts.band * scale)
  }
  let previous = -1
  for (const mark of scrollMarks(bands, opts.band)) {
    // Marks at the same depth share one line, labelled with the largest share.
    if (mark.y === previous) continue
    previous = mark.y
    const y = mark.y * scale
    ctx.strokeStyle = '#303133'
    ctx.setLineDash([6, 4])
    ctx.beginPath()
    ctx.moveTo(0, y)
    ctx.lineTo(opts.width, y)
    ctx.stroke()
    ctx.setLineDash([])
    ctx.fillStyle = '#303133'
    ctx.font = '12px sans-serif'
    ctx.fillText(`${Math.round(mark.share * 100)}%`, 6, Math.max(12, y - 4))
  }
}

/** How deep 75 %, 50 % and 25 % of visits got: the bottom of the last band at least that
 * share saw (px at the reference width). */
export function scrollMarks(bands: ScrollBand[], band: number, shares = [0.75, 0.5, 0.25]): { share: number; y: number }[] {
  const out: { share: number; y: number }[] = []
  for (const share of shares) {
    const last = bands.filter((b) => b.share >= share).at(-1)
    if (last) out.push({ share, y: last.y + band })
  }
  return out
}

/** Where an error falls in the replay: ms from the recording's first event (never negative). */
export function offsetOf(timestamp: number, events: { timestamp: number }[]): number {
  return Math.max(0, timestamp - (events[0]?.timestamp ?? timestamp))
}

/** Height the scroll map needs: its deepest band, at least one phone screen. */
export function scrollMapHeight(bands: ScrollBand[], width: number, referenceWidth: number, band: number): number {
  const scale = width / referenceWidth
  const last = bands.at(-1)
  const deepest = last ? last.y + band : 0
  return Math.max(667 * scale, Math.ceil(deepest * scale))
}

/** An rrweb event as far as the helpers read it. */
export interface TimedEvent {
  timestamp: number
  type?: number
  data?: unknown
}

/** An rrweb click: an incremental snapshot (3) of a mouse interaction (source 2) of type Click (2). */
function isClick(e: TimedEvent): boolean {
  const d = e.data as { source?: number; type?: number } | undefined
  return e.type === 3 && d?.source === 2 && d.type === 2
}

/** When to pause a recording to show `page` as the shopper saw it before acting on it: just
 * before their first click on it (a click often leaves the page), else just before the next
 * page began, else (the recording's last page) three seconds in or at its end. Ms from the
 * first event; null when `page` is not in it. */
export function pauseAt(starts: { page: string; timestamp: number }[], page: string, events: TimedEvent[]): number | null {
  const i = starts.findIndex((s) => s.page === page)
  const first = events[0]?.timestamp
  const start = starts[i]
  if (!start || first === undefined) return null
  const last = events.at(-1)?.timestamp ?? start.timestamp
  const next = starts[i + 1]
  let at = next ? next.timestamp - 500 : Math.min(start.timestamp + 3000, last)
  const click = events.find((e) => e.timestamp >= start.timestamp && (!next || e.timestamp < next.timestamp) && isClick(e))
  if (click) at = Math.min(at, click.timestamp - 100)
  return Math.max(0, Math.max(start.timestamp, at) - first)
}
