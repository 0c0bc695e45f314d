/**
 * 事件分析: the explorer's filters as the API's query, the trend as chart series (one per event,
 * every day of the range, 0 where nothing happened), totals per event, and how a person and an
 * event's properties read.
 */
import { EVENT_EXPLORER_LABELS as L, EVENT_PLATFORM_LABELS } from '@shoplet/shared'
import type { consoleApi } from '@/api/console'
import { eventLabel } from '@/lib/funnels'

export interface ExplorerFilters {
  range: [string, string]
  events: string[]
  platform: string
  page: string
  memberId: string
  deviceId: string
}

export interface TrendPoint {
  day: string
  event: string
  count: number
  persons: number
}

export type Measure = 'count' | 'persons'

const DEVICE = /^[A-Za-z0-9_-]{8,64}$/

/** What the form holds that the API would refuse (shown on the form, nothing sent). */
export function filterProblem(f: ExplorerFilters): string {
  const member = f.memberId.trim()
  if (member && !/^[1-9]\d{0,15}$/.test(member)) return L.memberIdInvalid
  const device = f.deviceId.trim()
  if (device && !DEVICE.test(device)) return L.deviceIdInvalid
  return ''
}

/** The filters ``GET analytics/events``, its trend and its export take. */
export type EventQuery = Parameters<typeof consoleApi.eventTrend>[0]

/** The query of ``GET analytics/events`` (and its trend and export). */
export function explorerQuery(f: ExplorerFilters): EventQuery {
  const query: EventQuery = { date_from: f.range[0], date_to: f.range[1] }
  if (f.events.length) query.event = [...f.events] as EventQuery['event']
  if (f.platform) query.platform = f.platform as EventQuery['platform']
  if (f.page.trim()) query.page = f.page.trim()
  if (f.memberId.trim()) query.member_id = Number(f.memberId.trim())
  if (f.deviceId.trim()) query.anonymous_id = f.deviceId.trim()
  return query
}

/** Every day from ``from`` to ``to`` (YYYY-MM-DD, inclusive). */
export function daysOf(from: string, to: string): string[] {
  const out: string[] = []
  const day = new Date(`${from}T00:00:00Z`)
  const end = new Date(`${to}T00:00:00Z`)
  while (day <= end && out.length < 367) {
    out.push(day.toISOString().slice(0, 10))
    day.setUTCDate(day.getUTCDate() + 1)
  }
  return out
}

/** One series per event (by total, largest first), a value for every day of the range. */
export function trendSeries(
  points: TrendPoint[],
  range: [string, string],
  measure: Measure,
): { days: string[]; series: { event: string; name: string; data: number[] }[] } {
  const days = daysOf(range[0], range[1])
  const index = new Map(days.map((d, i) => [d, i]))
  const byEvent = new Map<string, number[]>()
  for (const p of points) {
    const at = index.get(p.day)
    if (at === undefined) continue
    const data = byEvent.get(p.event) ?? Array<number>(days.length).fill(0)
    data[at] = p[measure]
    byEvent.set(p.event, data)
  }
  const series = [...byEvent.entries()]
    .map(([event, data]) => ({ event, name: eventLabel(event), data }))
    .sort((a, b) => sum(b.data) - sum(a.data) || a.event.localeCompare(b.event))
  return { days, series }
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0)
}

/** Per event: all its events over the range and the busiest day's persons. */
export function eventTotals(points: TrendPoint[]): { event: string; name: string; count: number; peakPersons: number }[] {
  const totals = new Map<string, { count: number; peakPersons: number }>()
  for (const p of points) {
    const t = totals.get(p.event) ?? { count: 0, peakPersons: 0 }
    t.count += p.count
    t.peakPersons = Math.max(t.peakPersons, p.persons)
    totals.set(p.event, t)
  }
  return [...totals.entries()]
    .map(([event, t]) => ({ event, name: eventLabel(event), ...t }))
    .sort((a, b) => b.count - a.count || a.event.localeCompare(b.event))
}

/** ``m:41`` → 会员 41; ``a:<device>`` → 访客 <device>. */
export function personLabel(person: string): string {
  if (person.startsWith('m:')) return L.member.replace('{id}', person.slice(2))
  if (person.startsWith('a:')) return L.visitor.replace('{id}', person.slice(2))
  return person
}

/** The member id of a person key, for the link to 会员画像 (null for a visitor). */
export function memberOf(person: string): number | null {
  return person.startsWith('m:') ? Number(person.slice(2)) : null
}

export function platformLabel(platform: string | null | undefined): string {
  if (!platform) return '—'
  return EVENT_PLATFORM_LABELS[platform] ?? platform
}

/** ``{"product_id":7,"keyword":"裙"}`` → ``product_id=7 · keyword=裙`` (— when empty). */
export function propertiesText(properties: Record<string, unknown>): string {
  const parts = Object.entries(properties).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
  return parts.length ? parts.join(' · ') : '—'
}
