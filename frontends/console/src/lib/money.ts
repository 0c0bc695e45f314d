/** Money is integer fen everywhere in Shoplet; the console shows and edits yuan. */

const YUAN = new Intl.NumberFormat('zh-CN', { minimumFractionDigits: 2, maximumFractionDigits: 2 })

/** 123456 -> "¥1,234.56" */
export function formatFen(fen: number | null | undefined): string {
  if (fen === null || fen === undefined || Number.isNaN(fen)) return '—'
  const sign = fen < 0 ? '-' : ''
  return `${sign}¥${YUAN.format(Math.abs(fen) / 100)}`
}

export function fenToYuan(fen: number): number {
  return fen / 100
}

/** Yuan as typed (12.3, "12.30") -> integer fen, rounded half away from zero. */
export function yuanToFen(yuan: number | string): number {
  const value = typeof yuan === 'string' ? Number(yuan.trim()) : yuan
  if (!Number.isFinite(value)) throw new RangeError(`not an amount: ${String(yuan)}`)
  // Work on the decimal string so 0.1 + 0.2 style float noise cannot shift a fen.
  const [whole = '0', frac = ''] = Math.abs(value).toFixed(3).split('.')
  const thousandths = Number(whole) * 1000 + Number(frac.padEnd(3, '0'))
  const fen = Math.floor((thousandths + 5) / 10)
  return value < 0 ? -fen : fen
}

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
