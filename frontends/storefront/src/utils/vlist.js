// Window maths of the virtual list (components/VirtualList.vue): which rows of a long list are
// rendered for a scroll position, and how much empty space stands in for the rest. Rows have
// one height (the tallest measured), so the sums are exact and need no per-row bookkeeping.

/**
 * @param {{ count: number, rowHeight: number, viewport: number, scrollTop: number, overscan?: number }} o
 *   count: rows in the list; viewport: visible height in px; overscan: extra rows each side
 * @returns {{ start: number, end: number, padTop: number, padBottom: number }} rows [start, end)
 */
export function windowRange({ count, rowHeight, viewport, scrollTop, overscan = 3 }) {
  const rows = Math.max(0, Math.floor(count))
  if (!rows || !(rowHeight > 0)) return { start: 0, end: 0, padTop: 0, padBottom: 0 }
  const maxTop = Math.max(0, rows * rowHeight - Math.max(0, viewport))
  const top = Math.min(Math.max(0, scrollTop || 0), maxTop)
  const firstVisible = Math.floor(top / rowHeight)
  const visible = Math.ceil(Math.max(0, viewport) / rowHeight) + 1
  const start = Math.max(0, firstVisible - overscan)
  const end = Math.min(rows, firstVisible + visible + overscan)
  return { start, end, padTop: start * rowHeight, padBottom: (rows - end) * rowHeight }
}

/**
 * Items grouped into rows of `columns` (the last row may be short); each row keeps the index of
 * its first item so list positions stay right.
 * @template T
 * @param {T[]} items
 * @param {number} columns
 * @returns {Array<{ index: number, items: T[] }>}
 */
export function toRows(items, columns = 1) {
  const n = Math.max(1, Math.floor(columns))
  const rows = []
  for (let i = 0; i < items.length; i += n) rows.push({ index: i, items: items.slice(i, i + n) })
  return rows
}
