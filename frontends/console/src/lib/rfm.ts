/**
 * RFM 客户分层: the class order, tiles and run progress (pure, unit-tested).
 */
import { RFM_CLASS_LABELS, label } from '@shoplet/shared'

/** The eight classes in the order the screen shows them (important first, value → retain). */
export const RFM_CLASSES = [
  'important_value',
  'important_develop',
  'important_keep',
  'important_retain',
  'general_value',
  'general_develop',
  'general_keep',
  'general_retain',
] as const
export type RfmClass = (typeof RFM_CLASSES)[number]

/** One colour per class: important in warm tones, general in cool ones. */
export const RFM_COLORS: Record<RfmClass, string> = {
  important_value: '#b03a2e',
  important_develop: '#ca6f1e',
  important_keep: '#b7950b',
  important_retain: '#7d3c98',
  general_value: '#1f618d',
  general_develop: '#148f77',
  general_keep: '#5d6d7e',
  general_retain: '#2e4053',
}

export interface ClassFigure {
  code: string
  customers: number
  share_permille: number
  spend: number
  clv: number
}

/** "12.5%" from a per-mille share. */
export function shareText(permille: number): string {
  return `${(permille / 10).toFixed(1)}%`
}

/** The tiles in screen order with their Chinese names. */
export function tiles(classes: ClassFigure[]): (ClassFigure & { name: string; color: string })[] {
  const byCode = new Map(classes.map((c) => [c.code, c]))
  return RFM_CLASSES.map((code) => {
    const figure = byCode.get(code) ?? { code, customers: 0, share_permille: 0, spend: 0, clv: 0 }
    return { ...figure, name: label(RFM_CLASS_LABELS, code), color: RFM_COLORS[code] }
  })
}

/** A run's progress in whole percent (0 before its total is known, 100 when done). */
export function runPercent(run: { status: string; progress: number; total: number } | null | undefined): number {
  if (!run) return 0
  if (run.status === 'done') return 100
  if (run.total <= 0) return 0
  return Math.min(100, Math.floor((100 * run.progress) / run.total))
}

/** Whether a run is still going (the screen polls it). */
export function isOpen(run: { status: string } | null | undefined): boolean {
  return run?.status === 'queued' || run?.status === 'running'
}
