/**
 * Money is integer fen everywhere in Shoplet; the console shows and edits yuan with the shared
 * glossary's formatting (`@shoplet/shared`).
 */
export { formatFen, MONEY_LABELS, shippingText, yuanToFen } from '@shoplet/shared'

/** Relative change for "today vs yesterday", or null when yesterday is zero. */
export function changeRatio(today: number, yesterday: number): number | null {
  if (yesterday === 0) return null
  return (today - yesterday) / yesterday
}

export function formatRatio(ratio: number | null): string {
  if (ratio === null) return '—'
  const pct = (ratio * 100).toFixed(1)
  return `${ratio > 0 ? '+' : ''}${pct}%`
}
