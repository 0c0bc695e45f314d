/**
 * Pure helpers of 经营看板 and 运营看板: the filters (date range, region, channel, store, stock
 * horizon) read from and written to the URL, where a drill row leads (province → city → store →
 * the store's own board; order source → campaign, a campaign to its console page), the
 * breadcrumb back up, and the tiles as people read them.
 */
import { BUSINESS_BOARD_LABELS as L } from '@shoplet/shared'
import { tileChange, tileValue } from './dashboards'

export type BoardKind = 'management' | 'operations'
export type Drill = 'province' | 'city' | 'store' | 'method' | 'source' | 'campaign'

export interface BoardFilters {
  start?: string
  end?: string
  region?: string
  channel?: string
  store?: string
  stockDays?: number
}

export interface Link {
  path: string
  query: Record<string, string>
}

const DAY = /^\d{4}-\d{2}-\d{2}$/
const REGION = /^\d{6}$/
const CHANNEL = /^[a-z_]{1,20}$/
const STORE = /^[1-9]\d{0,17}$/

export function boardPath(kind: BoardKind): string {
  return `/insights/boards/${kind}`
}

export function boardFilters(query: Record<string, unknown>): BoardFilters {
  const text = (v: unknown, pattern: RegExp): string | undefined =>
    typeof v === 'string' && pattern.test(v) ? v : undefined
  const days = Number(query.stock_days)
  return {
    start: text(query.start, DAY),
    end: text(query.end, DAY),
    region: text(query.region, REGION),
    channel: text(query.channel, CHANNEL),
    store: text(query.store, STORE),
    stockDays: Number.isInteger(days) && days >= 1 && days <= 60 ? days : undefined,
  }
}

/** The URL query of the filters (also the API's query: the same names). */
export function boardQuery(filters: BoardFilters): Record<string, string> {
  const out: Record<string, string> = {}
  if (filters.start) out.start = filters.start
  if (filters.end) out.end = filters.end
  if (filters.region) out.region = filters.region
  if (filters.channel) out.channel = filters.channel
  if (filters.store) out.store = filters.store
  if (filters.stockDays) out.stock_days = String(filters.stockDays)
  return out
}

/**
 * Where a drill row leads on the board: a region one level down, a store to its own board (not
 * 线上), a source to its campaigns; null at the last level (a store's methods, a campaign).
 */
export function drillLink(kind: BoardKind, drill: Drill, filters: BoardFilters, key: string): Link | null {
  if (drill === 'province' || drill === 'city') return { path: boardPath(kind), query: boardQuery({ ...filters, region: key }) }
  if (drill === 'store' && STORE.test(key)) return { path: boardPath(kind), query: boardQuery({ ...filters, store: key }) }
  if (drill === 'source') return { path: boardPath(kind), query: boardQuery({ ...filters, channel: key }) }
  return null
}

/**
 * The console page of a campaign row (`<kind>:<id>`): its own page where there is one (a flash
 * sale, a live session, a coupon template), else the kind's list; null for 无活动 and for
 * stores (the console has no page per store).
 */
export function campaignPage(key: string): string | null {
  const [kind, id] = key.split(':')
  if (!id || !/^\d+$/.test(id)) return null
  const own: Record<string, string> = { flashsale: '/flash-sales/', live: '/live/', coupon: '/coupons/' }
  const list: Record<string, string> = { groupbuy: '/group-buys', bargain: '/bargains', crowdfunding: '/crowdfundings' }
  if (kind && own[kind]) return `${own[kind]}${id}`
  return (kind && list[kind]) || null
}

/** A share of the parent's GMV, or — without it. */
export function shareText(share: number | null | undefined): string {
  return share === null || share === undefined ? '—' : `${share.toFixed(1)}%`
}

export interface Crumb {
  label: string
  to: Link
}

/** The way back up: 全国 → the province → the city → the store; 全部渠道 → the source. */
export function boardCrumbs(kind: BoardKind, filters: BoardFilters, title: string): Crumb[] {
  const path = boardPath(kind)
  if (kind === 'management') {
    const regional = { ...filters, store: undefined }
    const crumbs: Crumb[] = [{ label: L.allRegions, to: { path, query: boardQuery({ ...regional, region: undefined }) } }]
    if (filters.region) {
      const province = `${filters.region.slice(0, 2)}0000`
      const names = (title.split(' · ')[0] ?? '').split(' / ')
      crumbs.push({ label: names[0] ?? province, to: { path, query: boardQuery({ ...regional, region: province }) } })
      if (filters.region !== province && names[1]) crumbs.push({ label: names[1], to: { path, query: boardQuery(regional) } })
    }
    if (filters.store) crumbs.push({ label: title.split(' · ').pop() ?? L.store, to: { path, query: boardQuery(filters) } })
    return crumbs
  }
  const crumbs: Crumb[] = [{ label: L.allChannels, to: { path, query: boardQuery({ ...filters, channel: undefined }) } }]
  if (filters.channel) crumbs.push({ label: title.split(' · ').pop() ?? filters.channel, to: { path, query: boardQuery(filters) } })
  return crumbs
}

export function drillTitle(drill: Drill): string {
  return { province: L.byProvince, city: L.byCity, store: L.byStore, method: L.byMethod, source: L.bySource, campaign: L.byCampaign }[drill]
}

/** A tile's value; a rate in percent with its change in points. */
export function boardTileValue(value: number | null, unit: string): string {
  if (unit === '%') return value === null ? '—' : `${value.toFixed(1)}%`
  return tileValue(value, unit)
}

export function boardTileChange(value: number | null, previous: number | null, unit: string): string {
  if (unit !== '%') return tileChange(value, previous)
  if (value === null || previous === null) return '—'
  const points = value - previous
  return `${points > 0 ? '+' : ''}${points.toFixed(1)} 个百分点`
}
