/**
 * 智能问数 helpers: how an answer's figures read (fen as yuan, ‰ as a percentage), the chart
 * option for a line or bar answer, and the staff member's recent questions kept in this browser
 * (display history, not business data: see staffStorage.ts).
 */
import type { EChartsCoreOption } from 'echarts/core'
import { formatFen, MISSING } from '@shoplet/shared'
import type { consoleApi } from '@/api/console'
import { readJson, storageKey, writeJson } from '@/lib/staffStorage'

export type Answer = Awaited<ReturnType<typeof consoleApi.ask>>
export type Unit = 'fen' | 'count' | 'permille'
export type Cell = string | number | null

export const HISTORY_SIZE = 10

/** A figure as read: ¥1,234.56, 12.5%, 1,234; null → —. */
export function formatValue(value: Cell | undefined, unit: Unit | 'dimension'): string {
  if (value === null || value === undefined) return MISSING
  if (unit === 'dimension' || typeof value === 'string') return String(value)
  if (unit === 'fen') return formatFen(value)
  if (unit === 'permille') return `${(value / 10).toFixed(1)}%`
  return value.toLocaleString('en-US')
}

/** A change in ‰ of the earlier figure: +12.3% / -4.0% / — (no earlier figure). */
export function formatDelta(permille: number | null | undefined): string {
  if (permille === null || permille === undefined) return MISSING
  return `${permille > 0 ? '+' : ''}${(permille / 10).toFixed(1)}%`
}

/** The number a chart plots: yuan for fen, % for ‰, counts as they are. */
export function plotted(value: Cell, unit: Unit): number | null {
  if (value === null || typeof value === 'string') return null
  if (unit === 'fen') return value / 100
  if (unit === 'permille') return value / 10
  return value
}

export function unitName(unit: Unit): string {
  return unit === 'fen' ? '元' : unit === 'permille' ? '%' : ''
}

/** The ECharts option of a line (time series, one series per group) or bar (ranking) answer. */
export function chartOption(answer: Answer): EChartsCoreOption | null {
  const chart = answer.chart
  if (!chart || (chart.type !== 'line' && chart.type !== 'bar') || !chart.x) return null
  const columns = answer.columns.map((c) => c.key)
  const xAt = columns.indexOf(chart.x)
  const unit = chart.unit as Unit
  const label = (key: string) => answer.columns.find((c) => c.key === key)?.label ?? key
  const rows = answer.rows as Cell[][]
  let categories: string[]
  let series: { name: string; data: (number | null)[] }[]
  if (chart.group) {
    const groupAt = columns.indexOf(chart.group)
    const valueAt = columns.indexOf(chart.y[0] ?? '')
    categories = [...new Set(rows.map((r) => String(r[xAt])))]
    const groups = [...new Set(rows.map((r) => String(r[groupAt])))]
    series = groups.map((g) => ({
      name: g,
      data: categories.map((x) => {
        const row = rows.find((r) => String(r[xAt]) === x && String(r[groupAt]) === g)
        return row ? plotted(row[valueAt] ?? null, unit) : null
      }),
    }))
  } else {
    categories = rows.map((r) => String(r[xAt]))
    series = chart.y.map((key) => ({
      name: label(key),
      data: rows.map((r) => plotted(r[columns.indexOf(key)] ?? null, unit)),
    }))
  }
  return {
    color: ['#1a5fb4', '#b35900', '#26a269', '#813d9c', '#a51d2d'],
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    grid: { left: 70, right: 24, top: 36, bottom: 60 },
    xAxis: { type: 'category', data: categories, axisLabel: { rotate: categories.length > 8 ? 30 : 0 } },
    yAxis: { type: 'value', name: unitName(unit) },
    series: series.map((s) => ({ ...s, type: chart.type, smooth: chart.type === 'line' })),
  }
}

function isHistory(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string')
}

export function readHistory(staffId: number | null | undefined): string[] {
  return readJson(storageKey('ask-history', staffId), isHistory) ?? []
}

/** Put ``question`` first (once), keep the last ten; the new list. */
export function pushHistory(staffId: number | null | undefined, question: string): string[] {
  const next = [question, ...readHistory(staffId).filter((q) => q !== question)].slice(0, HISTORY_SIZE)
  writeJson(storageKey('ask-history', staffId), next)
  return next
}

export function clearHistory(staffId: number | null | undefined): void {
  writeJson(storageKey('ask-history', staffId), [])
}
