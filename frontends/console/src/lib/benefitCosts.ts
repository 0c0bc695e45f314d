/**
 * The benefit cost model's console helpers (pure): the period query, the chart series, the
 * tier editor's rows as the body both saving and projecting send, signed money.
 */
import { BENEFIT_COST_LABELS as C, formatFen } from '@shoplet/shared'

export type PeriodChoice = '30' | '90' | 'custom'

/** The query of `GET /insights/benefit-costs`; null while a custom range is incomplete. */
export function periodQuery(
  choice: PeriodChoice,
  range: [string, string] | null,
): { days: number } | { since: string; until: string } | null {
  if (choice !== 'custom') return { days: Number(choice) }
  if (!range || !range[0] || !range[1]) return null
  return { since: range[0], until: range[1] }
}

export interface CostRowLike {
  code: string
  name: string
  promotion_cost: number
  coupon_cost: number
  shipping_cost: number
  points_cost: number
  gross_margin: number
}

export interface Series {
  name: string
  data: number[]
  stack?: string
}

/** Stacked cost by benefit per group (in yuan, for the axis), and the margin beside it. */
export function costSeries(rows: CostRowLike[]): { categories: string[]; series: Series[] } {
  const yuan = (fen: number): number => Math.round(fen) / 100
  return {
    categories: rows.map((r) => `${r.code} ${r.name}`),
    series: [
      { name: C.promotionCost, stack: 'cost', data: rows.map((r) => yuan(r.promotion_cost)) },
      { name: C.couponCost, stack: 'cost', data: rows.map((r) => yuan(r.coupon_cost)) },
      { name: C.shippingCost, stack: 'cost', data: rows.map((r) => yuan(r.shipping_cost)) },
      { name: C.pointsCost, stack: 'cost', data: rows.map((r) => yuan(r.points_cost)) },
      { name: C.grossMargin, data: rows.map((r) => yuan(r.gross_margin)) },
    ],
  }
}

/** "+¥2.00", "-¥1.50", "¥0.00". */
export function signedFen(fen: number): string {
  return fen > 0 ? `+${formatFen(fen)}` : formatFen(fen)
}

export interface TierRow {
  level: number
  code: string
  name: string
  threshold: number
  keep_threshold: number
  discount_permille: number
  free_shipping: boolean
  /** Yuan as typed; empty = always free. */
  free_shipping_yuan: string
  points_multiplier_permille: number
  birthday_coupon_template_id: number | null
  exclusive_coupons: number[]
  priority_service: boolean
  /** The monthly exclusive pack only for members who signed in within these days (null: all). */
  pack_active_days: number | null
  /** At most this many members get the pack a month (null: no cap). */
  pack_monthly_cap: number | null
}

/** Why a row's exclusive pack cannot be saved (null: it can): the entry tier holds every
 * shopper, so its pack needs a limit. */
export function packProblem(r: TierRow): string | null {
  if (r.level === 0 && r.exclusive_coupons.length && r.pack_active_days == null && r.pack_monthly_cap == null) {
    return `${r.code} 的专属券须设置“近 N 天活跃”或“每月名额”`
  }
  return null
}

/** The editor's rows as `PUT /membership/tiers` (and the projection) take them. */
export function tiersBody(rows: TierRow[]) {
  return {
    tiers: rows.map((r, level) => ({
      level,
      code: r.code,
      name: r.name,
      threshold: r.threshold,
      keep_threshold: r.keep_threshold,
      benefits: {
        discount_permille: r.discount_permille,
        free_shipping: r.free_shipping,
        free_shipping_threshold:
          r.free_shipping && r.free_shipping_yuan ? Math.round(Number(r.free_shipping_yuan) * 100) : null,
        points_multiplier_permille: r.points_multiplier_permille,
        birthday_coupon_template_id: r.birthday_coupon_template_id || null,
        exclusive_coupon_template_ids: [...new Set(r.exclusive_coupons)],
        priority_service: r.priority_service,
      },
      pack_active_days: r.pack_active_days ?? null,
      pack_monthly_cap: r.pack_monthly_cap ?? null,
    })),
  }
}
