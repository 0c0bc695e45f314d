/**
 * 搜索分析 / 推荐效果: rates and date ranges of the click-through reports (pure, unit-tested).
 */

/** A rate (0.3) as 30.0%; "—" where nothing was counted. */
export function formatPercent(rate: number | null | undefined): string {
  if (rate === null || rate === undefined || Number.isNaN(rate)) return '—'
  return `${(Math.round(rate * 1000) / 10).toFixed(1)}%`
}

/** YYYY-MM-DD of a date in the shop's timezone (Asia/Shanghai). */
export function shopDay(at: Date): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(at)
}

/** The last `days` shop days up to `today` (both included), as the report's date range. */
export function lastDays(days: number, today: Date = new Date()): [string, string] {
  const end = shopDay(today)
  const start = new Date(`${end}T00:00:00Z`)
  start.setUTCDate(start.getUTCDate() - (days - 1))
  return [start.toISOString().slice(0, 10), end]
}

/** At most 366 days, start not after end: what the backend accepts (else 400). */
export function rangeProblem(range: [string, string] | null): string {
  if (!range) return ''
  const [from, to] = range
  if (from > to) return '开始日期不能晚于结束日期'
  const span = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000
  if (span >= 366) return '最多查询 366 天'
  return ''
}
