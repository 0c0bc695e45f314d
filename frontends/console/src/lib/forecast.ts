/**
 * 销量预测 and 补货建议 helpers: pasted CSV to the endpoint's points (the backend checks dates,
 * gaps and values and names the bad line), the chart's rows, and display of a service level.
 */

export interface SeriesPoint {
  date: string
  value: string
}

/** Rows of a pasted or uploaded `date,value` CSV; the header line is optional, blank lines skipped. */
export function parseSeriesCsv(text: string): SeriesPoint[] {
  const points: SeriesPoint[] = []
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/)
  lines.forEach((line, index) => {
    const trimmed = line.trim()
    if (!trimmed) return
    const [date = '', value = ''] = trimmed.split(/[,\t]/).map((cell) => cell.trim())
    if (index === 0 && date.toLowerCase() === 'date') return
    points.push({ date, value })
  })
  return points
}

export interface ChartRow {
  date: string
  history: number | null
  forecast: number | null
  lower: number | null
  upper: number | null
}

/** One row per day of history then per forecast day; the forecast line starts at the last
 * observed value so the two lines join. */
export function chartRows(
  historyDates: string[],
  history: number[],
  dates: string[],
  forecast: number[],
  lower: number[],
  upper: number[],
): ChartRow[] {
  const rows: ChartRow[] = historyDates.map((date, i) => ({
    date,
    history: history[i] ?? null,
    forecast: null,
    lower: null,
    upper: null,
  }))
  const last = rows[rows.length - 1]
  if (last && last.history !== null) last.forecast = last.history
  dates.forEach((date, i) => {
    rows.push({ date, history: null, forecast: forecast[i] ?? null, lower: lower[i] ?? null, upper: upper[i] ?? null })
  })
  return rows
}

export function percentLevel(level: number): string {
  return `${Math.round(level * 1000) / 10}%`
}

export function metric(value: number | null | undefined, digits = 3): string {
  return value === null || value === undefined ? '—' : value.toFixed(digits)
}
