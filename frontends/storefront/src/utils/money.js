// Money is integer fen everywhere (DESIGN.md); only the display turns it into yuan.

/** 12345 -> "123.45"; 100 -> "1.00". */
export function yuan(fen) {
  if (fen === null || fen === undefined || fen === '') return '--'
  const n = Number(fen)
  if (!Number.isInteger(n)) return '--'
  const sign = n < 0 ? '-' : ''
  const abs = Math.abs(n)
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`
}

/** 12345 -> "¥123.45". */
export function price(fen) {
  const text = yuan(fen)
  return text === '--' ? text : `¥${text}`
}

/** "12.5" / "12" (what a shopper types) -> 1250 fen; null when it is not a price. */
export function parseYuan(text) {
  const s = String(text ?? '').trim()
  if (!/^\d{1,9}(\.\d{1,2})?$/.test(s)) return null
  const [int, frac = ''] = s.split('.')
  return Number(int) * 100 + Number(frac.padEnd(2, '0'))
}

/**
 * The search page's price filter: the two texts a shopper typed (yuan, either may be empty) ->
 * `{ min, max }` in fen (null: no bound), or `{ error }` naming what to correct. Both bounds are
 * always returned together, so a corrected range keeps the bound that was already right.
 */
export function priceRange(minText, maxText) {
  const minRaw = String(minText ?? '').trim()
  const maxRaw = String(maxText ?? '').trim()
  const min = minRaw ? parseYuan(minRaw) : null
  const max = maxRaw ? parseYuan(maxRaw) : null
  if ((minRaw && min === null) || (maxRaw && max === null)) return { error: '请输入正确的价格' }
  if (min !== null && max !== null && min > max) return { error: '最低价不能高于最高价' }
  return { min, max }
}
