/**
 * The coupon-template editor's form: what staff type (yuan, 折, Beijing times) turned into the
 * API's body (fen, ‰, ISO), checked here with the same rules the API applies
 * (promotions/service/templates.py), so most mistakes are named on their field before a request;
 * the API's own refusal (`promotions.invalid_template`) is put on the field its detail names.
 */
import { parseYuan, type Tone } from '@shoplet/shared'
import type { CouponKind, CouponScope, CouponTemplate, CouponTemplateCreate } from '@/api/types'
import { beijingInputToIso, toBeijingInput } from '@/lib/flashsale'

export const MAX_FEN = 10_000_000_000
export const MAX_QUOTA = 10_000_000
export const MAX_PER_SHOPPER = 100
export const MAX_VALID_DAYS = 3650

export const COUPON_TEMPLATE_STATUS_TONES: Readonly<Record<string, Tone>> = {
  draft: 'info',
  active: 'success',
  stopped: 'warning',
}

export type CouponField =
  | 'name'
  | 'threshold'
  | 'amount'
  | 'rate'
  | 'scopeIds'
  | 'validity'
  | 'totalQuota'
  | 'perShopperLimit'

export interface CouponForm {
  name: string
  kind: CouponKind
  thresholdYuan: string
  amountYuan: string
  /** 折 as typed: "8.5" = pay 85%. */
  rate: string
  scope: CouponScope
  scopeIds: number[]
  validity: 'fixed' | 'days'
  /** `datetime-local` values in Beijing time. */
  validFrom: string
  validTo: string
  validDays: number | null
  totalQuota: number | null
  perShopperLimit: number | null
  isNewCustomerOnly: boolean
  isClaimable: boolean
  /** Combines with store-wide promotions (else the better of the two applies). */
  isStackable: boolean
}

export function emptyCouponForm(now: Date = new Date()): CouponForm {
  const from = new Date(now.getTime())
  from.setSeconds(0, 0)
  return {
    name: '',
    kind: 'threshold',
    thresholdYuan: '',
    amountYuan: '',
    rate: '',
    scope: 'all',
    scopeIds: [],
    validity: 'days',
    validFrom: toBeijingInput(from),
    validTo: toBeijingInput(new Date(from.getTime() + 30 * 86_400_000)),
    validDays: 7,
    totalQuota: 100,
    perShopperLimit: 1,
    isNewCustomerOnly: false,
    isClaimable: true,
    isStackable: true,
  }
}

const fenToYuanText = (fen: number | null | undefined): string =>
  fen === null || fen === undefined ? '' : (fen / 100).toFixed(2).replace(/\.00$/, '')

/** A stored template back into the form (to edit a draft or view another). */
export function formFromTemplate(t: CouponTemplate): CouponForm {
  return {
    name: t.name,
    kind: t.kind,
    thresholdYuan: t.threshold ? fenToYuanText(t.threshold) : '',
    amountYuan: fenToYuanText(t.amount),
    rate: t.rate_permille ? String(t.rate_permille / 100) : '',
    scope: t.scope,
    scopeIds: [...t.scope_ids],
    validity: t.valid_days ? 'days' : 'fixed',
    validFrom: t.valid_from ? toBeijingInput(new Date(t.valid_from)) : '',
    validTo: t.valid_to ? toBeijingInput(new Date(t.valid_to)) : '',
    validDays: t.valid_days ?? null,
    totalQuota: t.total_quota,
    perShopperLimit: t.per_shopper_limit,
    isNewCustomerOnly: t.is_new_customer_only,
    isClaimable: t.is_claimable,
    isStackable: t.stackable_with_promotions,
  }
}

/** Which inputs a kind shows: 满减 threshold+amount, 折扣 rate+cap(+threshold), 无门槛 amount, 运费券 amount(+threshold). */
export function kindFields(kind: CouponKind): { threshold: boolean; amount: boolean; rate: boolean; amountLabel: string } {
  switch (kind) {
    case 'discount':
      return { threshold: true, amount: true, rate: true, amountLabel: '最多优惠（元，选填）' }
    case 'no_threshold':
      return { threshold: false, amount: true, rate: false, amountLabel: '减免金额（元）' }
    case 'shipping':
      return { threshold: true, amount: true, rate: false, amountLabel: '运费最多减免（元）' }
    default:
      return { threshold: true, amount: true, rate: false, amountLabel: '减免金额（元）' }
  }
}

export type CouponErrors = Partial<Record<CouponField, string>>

/** The body for `POST/PUT /console/coupon-templates`, or the errors per field. */
export function buildCouponBody(
  form: CouponForm,
  now: Date = new Date(),
): { body: CouponTemplateCreate | null; errors: CouponErrors } {
  const errors: CouponErrors = {}
  const fields = kindFields(form.kind)
  const name = form.name.trim()
  if (!name) errors.name = '请填写优惠券名称'
  else if (name.length > 60) errors.name = '名称最多 60 个字'

  let threshold = 0
  if (fields.threshold && form.thresholdYuan.trim()) {
    const fen = parseYuan(form.thresholdYuan)
    if (fen === null || fen < 0 || fen > MAX_FEN) errors.threshold = '请填写正确的金额（最多两位小数）'
    else threshold = fen
  }
  if (form.kind === 'threshold' && !errors.threshold && threshold <= 0) errors.threshold = '满减券需要填写使用门槛'

  let amount: number | null = null
  if (form.amountYuan.trim()) {
    const fen = parseYuan(form.amountYuan)
    if (fen === null || fen < 1 || fen > MAX_FEN) errors.amount = '请填写正确的金额（至少 0.01 元）'
    else amount = fen
  } else if (form.kind !== 'discount') {
    errors.amount = '请填写金额'
  }
  if (form.kind === 'threshold' && amount !== null && threshold > 0 && amount > threshold) {
    errors.amount = '减免金额不能大于使用门槛'
  }

  let rate: number | null = null
  if (form.kind === 'discount') {
    const value = Number(form.rate)
    const permille = Math.round(value * 100)
    if (!form.rate.trim() || !Number.isFinite(value) || permille < 1 || permille > 999 || Math.abs(value * 100 - permille) > 1e-6) {
      errors.rate = '折扣填 0.01～9.99 折（如 8.5 表示 8.5 折）'
    } else {
      rate = permille
    }
  }

  if (form.scope !== 'all' && form.scopeIds.length === 0) {
    errors.scopeIds = form.scope === 'products' ? '请选择适用的商品' : '请选择适用的分类'
  }

  let validFrom: string | null = null
  let validTo: string | null = null
  let validDays: number | null = null
  if (form.validity === 'days') {
    const days = form.validDays
    if (days === null || !Number.isInteger(days) || days < 1 || days > MAX_VALID_DAYS) {
      errors.validity = `有效天数为 1～${MAX_VALID_DAYS} 天`
    } else validDays = days
  } else {
    validFrom = beijingInputToIso(form.validFrom)
    validTo = beijingInputToIso(form.validTo)
    if (!validFrom || !validTo) errors.validity = '请填写开始和结束时间'
    else if (Date.parse(validTo) <= Date.parse(validFrom)) errors.validity = '结束时间必须晚于开始时间'
    else if (Date.parse(validTo) <= now.getTime()) errors.validity = '结束时间已过'
  }

  const quota = form.totalQuota
  if (quota === null || !Number.isInteger(quota) || quota < 1 || quota > MAX_QUOTA) {
    errors.totalQuota = `发放总量为 1～${MAX_QUOTA.toLocaleString('en-US')} 张`
  }
  const limit = form.perShopperLimit
  if (limit === null || !Number.isInteger(limit) || limit < 1 || limit > Math.min(MAX_PER_SHOPPER, quota ?? MAX_PER_SHOPPER)) {
    errors.perShopperLimit = `每人限领 1～${MAX_PER_SHOPPER} 张，且不超过发放总量`
  }

  if (Object.keys(errors).length) return { body: null, errors }
  return {
    body: {
      name,
      kind: form.kind,
      threshold: form.kind === 'no_threshold' ? 0 : threshold,
      amount,
      rate_permille: rate,
      scope: form.scope,
      scope_ids: form.scope === 'all' ? [] : [...form.scopeIds],
      is_new_customer_only: form.isNewCustomerOnly,
      valid_from: validFrom,
      valid_to: validTo,
      valid_days: validDays,
      total_quota: quota as number,
      per_shopper_limit: limit as number,
      is_claimable: form.isClaimable,
      stackable_with_promotions: form.isStackable,
    },
    errors,
  }
}

/** The field an API refusal's detail is about ("per_shopper_limit must be …" → perShopperLimit). */
export function problemField(detail: string | null | undefined): CouponField | null {
  const text = detail || ''
  const rules: [RegExp, CouponField][] = [
    [/per_shopper_limit/, 'perShopperLimit'],
    [/total_quota/, 'totalQuota'],
    [/valid_|validity/, 'validity'],
    [/scope/, 'scopeIds'],
    [/rate_permille|discount coupon/, 'rate'],
    [/more than its threshold|amount/, 'amount'],
    [/threshold/, 'threshold'],
    [/name/, 'name'],
  ]
  for (const [re, field] of rules) if (re.test(text)) return field
  return null
}

/** Member ids pasted in any shape (lines, commas, spaces): the distinct positive integers, and what was not one. */
export function parseMemberIds(text: string): { ids: number[]; invalid: string[] } {
  const ids: number[] = []
  const invalid: string[] = []
  for (const token of text.split(/[\s,，;；、]+/).filter(Boolean)) {
    if (/^\d{1,15}$/.test(token) && Number(token) > 0) {
      const id = Number(token)
      if (!ids.includes(id)) ids.push(id)
    } else invalid.push(token)
  }
  return { ids, invalid }
}
