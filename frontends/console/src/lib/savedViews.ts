/**
 * Saved views of a console list: a named set of filters (the URL query without the page), per
 * staff member (`staffStorage`). Saving under an existing name replaces that view.
 */
import { readJson, storageKey, writeJson } from './staffStorage'

export interface SavedView {
  name: string
  query: Record<string, string>
}

export const MAX_VIEWS = 20
export const MAX_VIEW_NAME = 20

function isViews(value: unknown): value is SavedView[] {
  return (
    Array.isArray(value) &&
    value.every(
      (v) =>
        typeof v === 'object' &&
        v !== null &&
        typeof v.name === 'string' &&
        typeof v.query === 'object' &&
        v.query !== null &&
        Object.values(v.query as object).every((x) => typeof x === 'string'),
    )
  )
}

export function loadViews(table: string, staffId: number | null | undefined): SavedView[] {
  return readJson(storageKey('views', staffId, table), isViews) ?? []
}

/** The views after saving `query` as `name` (trimmed, at most MAX_VIEW_NAME characters); the
 * newest first, at most MAX_VIEWS. An empty name saves nothing. */
export function withView(views: readonly SavedView[], name: string, query: Record<string, string>): SavedView[] {
  const clean = name.trim().slice(0, MAX_VIEW_NAME)
  if (!clean) return [...views]
  return [{ name: clean, query: { ...query } }, ...views.filter((v) => v.name !== clean)].slice(0, MAX_VIEWS)
}

export function withoutView(views: readonly SavedView[], name: string): SavedView[] {
  return views.filter((v) => v.name !== name)
}

export function saveViews(table: string, staffId: number | null | undefined, views: readonly SavedView[]): void {
  writeJson(storageKey('views', staffId, table), views)
}
