/**
 * List filters live in the URL query, so a reload, the back button or a shared link shows the same
 * list: `status`, `q` (search text), `from` / `to` (shop days, YYYY-MM-DD, both included),
 * `category` (products) and `cursor` (the page). The route is the single source of truth: views
 * read the filters from it and change them by navigating.
 */
import type { LocationQuery, LocationQueryRaw } from 'vue-router'

export interface ListFilters {
  /** '' = every status. */
  status: string
  q: string
  /** '' = open-ended. */
  from: string
  to: string
  /** '' = every category; else a category id (products). */
  category: string
  /** '' = the first page. */
  cursor: string
}

export const EMPTY_FILTERS: Readonly<ListFilters> = { status: '', q: '', from: '', to: '', category: '', cursor: '' }
const KEYS = ['status', 'q', 'from', 'to', 'category', 'cursor'] as const
const ID = /^[1-9]\d{0,17}$/
const DAY = /^\d{4}-\d{2}-\d{2}$/
const MAX_Q = 50
const MAX_CURSOR = 200

function first(value: LocationQuery[string] | undefined): string {
  const v = Array.isArray(value) ? value[0] : value
  return typeof v === 'string' ? v : ''
}

function isDay(value: string): boolean {
  if (!DAY.test(value)) return false
  const date = new Date(`${value}T00:00:00Z`)
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value
}

/** The filters a URL query asks for; anything malformed (an unknown status, a bad day, a
 * reversed range) is dropped rather than sent to the server. */
export function filtersFromQuery(query: LocationQuery, statuses: readonly string[]): ListFilters {
  const status = first(query.status)
  let from = first(query.from)
  let to = first(query.to)
  if (!isDay(from)) from = ''
  if (!isDay(to)) to = ''
  if (from && to && from > to) [from, to] = [to, from]
  return {
    status: statuses.includes(status) ? status : '',
    q: first(query.q).trim().slice(0, MAX_Q),
    from,
    to,
    category: ID.test(first(query.category)) ? first(query.category) : '',
    cursor: first(query.cursor).slice(0, MAX_CURSOR),
  }
}

/** The URL query of `filters`, without empty values (so the plain list has a plain URL). */
export function queryFromFilters(filters: Partial<ListFilters>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const key of KEYS) {
    const value = (filters[key] ?? '').trim()
    if (value) out[key] = value
  }
  return out
}

/** The query after changing some filters: any change but the page itself starts from page one.
 * Keys of other features in the query (not ours) are kept. */
export function nextQuery(current: LocationQuery, statuses: readonly string[], patch: Partial<ListFilters>): LocationQueryRaw {
  const merged: ListFilters = { ...filtersFromQuery(current, statuses), ...patch }
  if (!('cursor' in patch)) merged.cursor = ''
  const others = Object.fromEntries(Object.entries(current).filter(([k]) => !(KEYS as readonly string[]).includes(k)))
  return { ...others, ...queryFromFilters(merged) }
}

/** The filters a saved view keeps: everything but the page. */
export function viewQuery(filters: ListFilters): Record<string, string> {
  return queryFromFilters({ ...filters, cursor: '' })
}

/** Two filter sets ask for the same list (the page aside). */
export function sameFilters(a: ListFilters, b: ListFilters): boolean {
  return KEYS.every((k) => k === 'cursor' || a[k] === b[k])
}
