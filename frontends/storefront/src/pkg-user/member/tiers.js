// Tier colours of the member centre (by level; beyond the table's five, the last repeats) and
// the benefit lines a tier's card and the tier switcher show.
import { MEMBERSHIP_LABELS as L, SVIP_LABELS, discountText, formatFen } from '@shoplet/shared'

const GRADIENTS = [
  'linear-gradient(120deg, #5c5f66, #8a8d93)',
  'linear-gradient(120deg, #6b7a8f, #a7b4c2)',
  'linear-gradient(120deg, #8a6212, #c9a227)',
  'linear-gradient(120deg, #3d4a5c, #7d8ca3)',
  'linear-gradient(120deg, #1f2a44, #4b5d8a)',
]

export function tierGradient(level) {
  return GRADIENTS[Math.min(level, GRADIENTS.length - 1)]
}

/** [{ key, title, text }] of what a tier gives; empty for none. */
export function benefitItems(benefits) {
  const items = []
  if (benefits.discount_permille < 1000) {
    items.push({ key: 'discount', title: L.discount, text: `商品${discountText(benefits.discount_permille)}` })
  }
  if (benefits.free_shipping) {
    const t = benefits.free_shipping_threshold
    items.push({ key: 'shipping', title: L.freeShipping, text: t ? `满${formatFen(t)}包邮` : '全场包邮' })
  }
  if (benefits.points_multiplier_permille > 1000) {
    items.push({ key: 'points', title: L.pointsMultiplier, text: `${benefits.points_multiplier_permille / 1000}倍积分` })
  }
  if (benefits.birthday_coupon_template_id) items.push({ key: 'birthday', title: L.birthdayGift, text: '生日当月领取' })
  if (benefits.exclusive_coupon_template_ids.length) {
    items.push({ key: 'coupons', title: L.exclusiveCoupons, text: `${benefits.exclusive_coupon_template_ids.length}张专属券` })
  }
  if (benefits.priority_service) items.push({ key: 'service', title: L.priorityService, text: '优先响应' })
  return items
}

/** [{ key, title, text }] of what a paid plan (SVIP) grants while it runs. */
export function planBenefitItems(benefits) {
  /** @type {{ key: string, title: string, text: string }[]} */
  const items = benefitItems({
    ...benefits,
    birthday_coupon_template_id: null,
    exclusive_coupon_template_ids: [],
  })
  if (benefits.coupon_template_ids.length) {
    items.push({ key: 'pack', title: SVIP_LABELS.couponPack, text: `${benefits.coupon_template_ids.length}张优惠券` })
  }
  return items
}
