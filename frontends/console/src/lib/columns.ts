/**
 * Column settings of a console table: which columns show and in which order, per staff member
 * (`staffStorage`). Columns marked `required` (the row's identity and its actions) always show.
 */
import { readJson, storageKey, writeJson } from './staffStorage'

export interface ColumnDef {
  key: string
  label: string
  required?: boolean
}

export interface ColumnSetting {
  key: string
  visible: boolean
}

function isSettings(value: unknown): value is ColumnSetting[] {
  return (
    Array.isArray(value) &&
    value.every((s) => typeof s === 'object' && s !== null && typeof s.key === 'string' && typeof s.visible === 'boolean')
  )
}

/** The settings to use: the saved order and visibility for columns that still exist, then any
 * column added since (visible), and required columns always visible. */
export function resolveColumns(defs: readonly ColumnDef[], saved: readonly ColumnSetting[] | null): ColumnSetting[] {
  const known = new Map(defs.map((d) => [d.key, d]))
  const out: ColumnSetting[] = []
  const seen = new Set<string>()
  for (const s of saved ?? []) {
    const def = known.get(s.key)
    if (!def || seen.has(s.key)) continue
    seen.add(s.key)
    out.push({ key: s.key, visible: def.required ? true : s.visible })
  }
  for (const d of defs) if (!seen.has(d.key)) out.push({ key: d.key, visible: true })
  return out
}

export function visibleKeys(settings: readonly ColumnSetting[]): string[] {
  return settings.filter((s) => s.visible).map((s) => s.key)
}

/** Move a column `delta` places (−1: earlier, +1: later); unchanged at the ends. */
export function moveColumn(settings: readonly ColumnSetting[], key: string, delta: -1 | 1): ColumnSetting[] {
  const i = settings.findIndex((s) => s.key === key)
  const j = i + delta
  if (i < 0 || j < 0 || j >= settings.length) return [...settings]
  const out = [...settings]
  const [a, b] = [out[i]!, out[j]!]
  out[i] = b
  out[j] = a
  return out
}

export function toggleColumn(defs: readonly ColumnDef[], settings: readonly ColumnSetting[], key: string, visible: boolean): ColumnSetting[] {
  const required = defs.find((d) => d.key === key)?.required
  return settings.map((s) => (s.key === key ? { ...s, visible: required ? true : visible } : s))
}

export function loadColumns(table: string, staffId: number | null | undefined, defs: readonly ColumnDef[]): ColumnSetting[] {
  return resolveColumns(defs, readJson(storageKey('columns', staffId, table), isSettings))
}

export function saveColumns(table: string, staffId: number | null | undefined, settings: readonly ColumnSetting[]): void {
  writeJson(storageKey('columns', staffId, table), settings)
}
