/**
 * Colours of rises and falls. Chinese convention by default (涨红跌绿: up is red, down is green),
 * switchable to the international one (up green, down red) in 账户设置; the choice is kept per
 * staff member (`staffStorage`).
 */
import { readJson, storageKey, writeJson } from './staffStorage'

export type Convention = 'cn' | 'intl'
export type Direction = 'up' | 'down' | 'flat'

export const DEFAULT_CONVENTION: Convention = 'cn'

/** The AA-contrast palette of theme.css, as hex for ECharts (which cannot read CSS variables). */
export const RED = '#b3261e'
export const GREEN = '#1e7b34'
export const NEUTRAL = '#57606a'

export function direction(ratio: number | null): Direction {
  if (ratio === null || ratio === 0 || Number.isNaN(ratio)) return 'flat'
  return ratio > 0 ? 'up' : 'down'
}

/** The colour of a change in `dir` under `convention`. */
export function deltaColor(dir: Direction, convention: Convention = DEFAULT_CONVENTION): string {
  if (dir === 'flat') return NEUTRAL
  const upIsRed = convention === 'cn'
  return (dir === 'up') === upIsRed ? RED : GREEN
}

/** Which way a series went: the sum of its last `window` points against the `window` before. */
export function seriesDirection(values: readonly number[], window = 7): Direction {
  if (values.length < 2) return 'flat'
  const w = Math.max(1, Math.min(window, Math.floor(values.length / 2)))
  const recent = values.slice(-w).reduce((a, b) => a + b, 0)
  const before = values.slice(-2 * w, -w).reduce((a, b) => a + b, 0)
  return recent === before ? 'flat' : recent > before ? 'up' : 'down'
}

function isConvention(value: unknown): value is Convention {
  return value === 'cn' || value === 'intl'
}

export function loadConvention(staffId: number | null | undefined): Convention {
  return readJson(storageKey('trend-colours', staffId), isConvention) ?? DEFAULT_CONVENTION
}

export function saveConvention(staffId: number | null | undefined, convention: Convention): void {
  writeJson(storageKey('trend-colours', staffId), convention)
}
