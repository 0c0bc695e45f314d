/**
 * How a coupon reads, the same on a coupon-centre card, in 我的优惠券, in the checkout picker and
 * in the console's list: the big value (¥20 / 8.5折), the condition (满100可用 / 无门槛), the
 * scope and the validity. Templates and a shopper's coupons share these fields.
 */
import { COUPON_CLAIM_LABELS, COUPON_SCOPE_LABELS, label } from './labels'
import { yuan } from './money'

export interface CouponFields {
  kind: string
  threshold?: number | null
  amount?: number | null
  rate_permille?: number | null
  scope?: string | null
  valid_from?: string | null
  valid_to?: string | null
  valid_days?: number | null
}

/** 2000 -> "20", 1950 -> "19.5", 1905 -> "19.05": the big number of a card, no needless zeros. */
export function shortYuan(fen: number | null | undefined): string {
  const text = yuan(fen)
  return text.replace(/\.00$/, '').replace(/(\.\d)0$/, '$1')
}

/** 850 -> "8.5", 900 -> "9", 875 -> "8.75" (折). */
export function rateText(permille: number | null | undefined): string {
  if (permille === null || permille === undefined) return '—'
  return String(permille / 100)
}

/** The big value of a card: `{ prefix: '¥', value: '20', suffix: '' }` or `{ value: '8.5', suffix: '折' }`. */
export function couponValue(c: CouponFields): { prefix: string; value: string; suffix: string } {
  if (c.kind === 'discount') return { prefix: '', value: rateText(c.rate_permille), suffix: '折' }
  if (c.kind === 'shipping' && !c.amount) return { prefix: '', value: '免运费', suffix: '' }
  return { prefix: '¥', value: shortYuan(c.amount), suffix: '' }
}

/** When the coupon applies: "满100可用", "无门槛", and a discount's cap "最多减¥30". */
export function couponCondition(c: CouponFields): string {
  const parts = [c.threshold ? `满${shortYuan(c.threshold)}可用` : '无门槛']
  if (c.kind === 'discount' && c.amount) parts.push(`最多减¥${shortYuan(c.amount)}`)
  if (c.kind === 'shipping' && c.amount) parts.push(`运费最多减¥${shortYuan(c.amount)}`)
  return parts.join('，')
}

export function couponScope(c: CouponFields): string {
  return label(COUPON_SCOPE_LABELS, c.scope || 'all')
}

/** "2026.12.03" in the viewer's time zone. */
export function dateText(iso: string | null | undefined): string {
  if (!iso) return '—'
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return '—'
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}.${pad(d.getMonth() + 1)}.${pad(d.getDate())}`
}

/** "2026.12.01-2026.12.31", or for a template valid N days from the claim "领取后7天内有效". */
export function couponValidity(c: CouponFields): string {
  if (c.valid_from && c.valid_to) return `${dateText(c.valid_from)}-${dateText(c.valid_to)}`
  if (c.valid_days) return `领取后${c.valid_days}天内有效`
  return '—'
}

export interface CentreCard extends CouponFields {
  remaining: number
  held?: number
  can_claim?: boolean
}

export type ClaimState = keyof typeof COUPON_CLAIM_LABELS

/**
 * The claim button of a centre card. Signed out, `held` is 0 and the button asks to claim (the
 * page sends the shopper to log in first). Held and unable to claim more: 已领取. None left: 已抢光.
 */
export function claimState(t: CentreCard, signedIn: boolean): Exclude<ClaimState, 'use'> {
  if (signedIn && (t.held ?? 0) > 0 && !t.can_claim) return 'held'
  if (t.remaining <= 0) return 'soldOut'
  return 'claim'
}

/** The one-time code alphabet (no 0/O/1/I); a code is 11 of these and a Luhn mod 32 check. */
export const CODE_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ'

/** As typed or pasted: spaces and dashes dropped, upper case (what the backend does too). */
export function normaliseCode(raw: string): string {
  return raw.replace(/[\s-]/g, '').toUpperCase()
}

function luhnValid(code: string): boolean {
  const n = CODE_ALPHABET.length
  let total = 0
  let double = false
  for (let i = code.length - 1; i >= 0; i--) {
    let addend = CODE_ALPHABET.indexOf(code.charAt(i)) * (double ? 2 : 1)
    addend = Math.floor(addend / n) + (addend % n)
    total += addend
    double = !double
  }
  return total % n === 0
}

/**
 * Why a typed 兑换码 cannot be right before asking the server, or null: empty, too long,
 * characters a code never has, or a one-time code (12 characters of the alphabet) whose check
 * character fails (one character mistyped).
 */
export function codeProblem(raw: string): string | null {
  const code = normaliseCode(raw)
  if (!code) return '请输入兑换码'
  if (code.length < 4 || code.length > 20 || !/^[A-Z0-9]+$/.test(code)) {
    return '兑换码格式不正确，请核对后重新输入'
  }
  const oneTime = code.length === 12 && [...code].every((c) => CODE_ALPHABET.includes(c))
  if (oneTime && !luhnValid(code)) return '兑换码有误，请检查是否输错了字符'
  return null
}

/** A coupon's rule as an order page shows it: "满100减10", "满50打8.5折，最多减¥30", "无门槛减5", "运费券". */
export function ruleText(rule: CouponFields | Record<string, unknown>): string {
  const r = rule as CouponFields
  const from = r.threshold ? `满${shortYuan(r.threshold)}` : '无门槛'
  if (r.kind === 'discount') {
    const cap = r.amount ? `，最多减¥${shortYuan(r.amount)}` : ''
    return `${from}打${rateText(r.rate_permille)}折${cap}`
  }
  if (r.kind === 'shipping') return `${from}减运费${r.amount ? `¥${shortYuan(r.amount)}` : ''}`
  return `${from}减${shortYuan(r.amount)}`
}
