/**
 * The experiment calculator's pure helpers: the editable arms, CSV paste, the request body and
 * the figures of the interval chart. The statistics themselves are computed by the backend
 * (`POST /console/experiments/analyze`, docs/experiments.md).
 */

export interface ArmRow {
  name: string
  visitors: number | null
  conversions: number | null
  share: number | null
  revenueSum: number | null
  revenueSumSquares: number | null
}

export function emptyArm(index: number): ArmRow {
  return {
    name: index === 0 ? 'A' : String.fromCharCode(65 + index),
    visitors: null,
    conversions: null,
    share: null,
    revenueSum: null,
    revenueSumSquares: null,
  }
}

/**
 * Rows of `name,visitors,conversions[,revenue sum,revenue sum of squares]` (comma, tab or
 * semicolon; a header line is skipped). Throws with the line number on a malformed line.
 */
export function parseArmsCsv(text: string): ArmRow[] {
  const rows: ArmRow[] = []
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean)
  lines.forEach((line, i) => {
    const cells = line.split(/[,\t;，]/).map((c) => c.trim())
    const numbers = cells.slice(1).map((c) => (c === '' ? null : Number(c)))
    if (numbers.length && numbers.every((n) => n === null || Number.isNaN(n)) && i === 0) return // header
    if (cells.length < 3 || numbers.some((n) => n !== null && Number.isNaN(n))) {
      throw new Error(`第 ${i + 1} 行格式不正确：应为 组名,访客数,转化数`)
    }
    rows.push({
      name: cells[0] ?? '',
      visitors: numbers[0] ?? null,
      conversions: numbers[1] ?? null,
      share: null,
      revenueSum: numbers[2] ?? null,
      revenueSumSquares: numbers[3] ?? null,
    })
  })
  return rows
}

export interface AnalyzeRequest {
  arms: { name: string; visitors: number; conversions: number; revenue_sum?: number; revenue_sum_squares?: number }[]
  expected_split?: number[]
  alpha: number
  correction: 'holm' | 'bonferroni'
  decision: 'fixed' | 'sequential'
}

/**
 * The request body: shares are sent when every arm has one (in percent or as fractions,
 * normalised to fractions when they add up to 100); otherwise the split is equal. The backend
 * validates the counts and answers with a stable problem code.
 */
export function analyzeBody(
  arms: ArmRow[],
  options: { alpha: number; correction: 'holm' | 'bonferroni'; decision: 'fixed' | 'sequential' },
): AnalyzeRequest {
  const body: AnalyzeRequest = {
    arms: arms.map((a) => {
      const arm: AnalyzeRequest['arms'][number] = {
        name: a.name.trim(),
        visitors: a.visitors ?? 0,
        conversions: a.conversions ?? 0,
      }
      if (a.revenueSum !== null) arm.revenue_sum = a.revenueSum
      if (a.revenueSumSquares !== null) arm.revenue_sum_squares = a.revenueSumSquares
      return arm
    }),
    ...options,
  }
  const shares = arms.map((a) => a.share)
  if (shares.length && shares.every((s) => s !== null)) {
    const values = shares as number[]
    const total = values.reduce((x, y) => x + y, 0)
    body.expected_split = Math.abs(total - 100) < 1e-6 ? values.map((s) => s / 100) : values
  }
  return body
}

export function percent(value: number | null | undefined, digits = 2): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—'
  return `${(value * 100).toFixed(digits)}%`
}

export function signedPercent(value: number | null | undefined, digits = 2): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—'
  return `${value > 0 ? '+' : ''}${(value * 100).toFixed(digits)}%`
}

export function pValue(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—'
  return value < 0.0001 ? '< 0.0001' : value.toFixed(4)
}

export interface IntervalPoint {
  name: string
  rate: number
  low: number
  high: number
}

/** The chart's rows: each arm's rate and interval, in percent. */
export function intervalPoints(arms: { name: string; rate: number; ci_low: number; ci_high: number }[]): IntervalPoint[] {
  const round = (x: number): number => Math.round(x * 1e6) / 1e4
  return arms.map((a) => ({ name: a.name, rate: round(a.rate), low: round(a.ci_low), high: round(a.ci_high) }))
}
