/**
 * Per-staff console preferences kept in the browser (localStorage), keyed by the staff member's
 * id so that two people sharing a browser keep their own: table columns, saved list views and the
 * chart colour convention. They are display preferences, not business data: nothing on the server
 * depends on them, so they need no table, API or migration (the price: they do not follow the
 * staff member to another browser).
 */

const PREFIX = 'shoplet.console'

export function storageKey(kind: string, staffId: number | null | undefined, table = ''): string {
  return [PREFIX, kind, table, `staff-${staffId ?? 'anonymous'}`].filter(Boolean).join('.')
}

export function readJson<T>(key: string, valid: (value: unknown) => value is T): T | null {
  try {
    const raw = localStorage.getItem(key)
    if (raw === null) return null
    const value: unknown = JSON.parse(raw)
    return valid(value) ? value : null
  } catch {
    return null
  }
}

export function writeJson(key: string, value: unknown): void {
  try {
    localStorage.setItem(key, JSON.stringify(value))
  } catch {
    // Storage full or disabled (private mode): the preference lasts for this page only.
  }
}
