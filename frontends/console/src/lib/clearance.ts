/**
 * Pure helpers of the 清仓定价 page: the weekly rows of its chart (history, then the plan's
 * weeks with each step's expected units spread evenly) and yuan from fen.
 */
export interface ClearanceWeek {
  week_start: string
  price: number
  units: number
}

export interface ClearanceStep {
  starts_on: string
  weeks: number
  price: number
  units: number
}

export interface ClearanceRow {
  week: string
  history: number | null
  projected: number | null
  price: number
}

function addDays(iso: string, days: number): string {
  const d = new Date(`${iso}T00:00:00Z`)
  d.setUTCDate(d.getUTCDate() + days)
  return d.toISOString().slice(0, 10)
}

export function clearanceRows(history: ClearanceWeek[], steps: ClearanceStep[]): ClearanceRow[] {
  const rows: ClearanceRow[] = history.map((w) => ({ week: w.week_start, history: w.units, projected: null, price: w.price / 100 }))
  for (const step of steps) {
    for (let i = 0; i < step.weeks; i++) {
      rows.push({
        week: addDays(step.starts_on, 7 * i),
        history: null,
        projected: Math.round((step.units / step.weeks) * 10) / 10,
        price: step.price / 100,
      })
    }
  }
  return rows
}

export function yuan(fen: number): string {
  return `¥${(fen / 100).toLocaleString('zh-CN', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`
}

/** A step's ratio of units sold to units expected by now, as a percentage ("—" before any is expected). */
export function ratioText(ratio: number | null): string {
  return ratio === null ? '—' : `${Math.round(ratio * 100)}%`
}

/** A step's window in Beijing time, "MM-DD HH:mm ~ MM-DD HH:mm". */
export function stepWindow(startsAt: string, endsAt: string): string {
  const at = (iso: string): string => {
    const d = new Date(new Date(iso).getTime() + 8 * 3600 * 1000)
    return d.toISOString().slice(5, 16).replace('T', ' ')
  }
  return `${at(startsAt)} ~ ${at(endsAt)}`
}

/** The Beijing date ``weeks`` weeks from now (YYYY-MM-DD): a clearance's default target. */
export function inWeeks(weeks: number, now: number = Date.now()): string {
  const d = new Date(now + 8 * 3600 * 1000 + weeks * 7 * 86400 * 1000)
  return d.toISOString().slice(0, 10)
}
