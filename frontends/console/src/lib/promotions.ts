/**
 * The promotion editor's form: what staff type (yuan, 折, Beijing times) turned into the API's
 * body (fen, ‰, ISO), checked here with the rules the API applies
 * (promotions/service/campaigns.py), so most mistakes are named on their field before a
 * request; the API's own refusal (`promotions.invalid_promotion`) names its `field` too.
 */
import { formatFen, parseYuan, type Tone } from '@shoplet/shared'
import type { OrderPromotion, Promotion, PromotionCreate, PromotionKind } from '@/api/types'
import { beijingInputToIso, toBeijingInput } from '@/lib/flashsale'

export const MAX_TIERS = 10

export const PROMOTION_STATUS_TONES: Readonly<Record<string, Tone>> = {
  draft: 'info',
  active: 'success',
  stopped: 'warning',
}

export type PromotionField =
  | 'name'
  | 'window'
  | 'tiers'
  | 'maxRepeats'
  | 'scopeIds'
  | 'skuPrices'
  | 'perShopperLimit'
  | 'buyN'
  | 'getM'
  | 'rate'
  | 'productIds'
  | 'bundle'

export interface TierRow {
  thresholdYuan: string
  amountYuan: string
}

export interface SkuPriceRow {
  skuId: number | null
  /** 'rate': 折 as typed ("8" = 8折); 'price': a fixed price in yuan. */
  mode: 'rate' | 'price'
  value: string
}

export interface PromotionForm {
  name: string
  kind: PromotionKind
  startsAt: string
  endsAt: string
  scope: 'all' | 'products' | 'categories'
  scopeIds: number[]
  tiers: TierRow[]
  repeat: boolean
  maxRepeats: number | null
  skuPrices: SkuPriceRow[]
  perShopperLimit: number | null
  /** 'free': 买N免M; 'rate': 第N件X折. */
  buyMode: 'free' | 'rate'
  buyN: number | null
  getM: number | null
  rate: string
  productIds: number[]
  /** 'price': 套餐价; 'off': 每套立减. */
  bundleMode: 'price' | 'off'
  bundleYuan: string
}

export function emptyPromotionForm(now: Date = new Date()): PromotionForm {
  const from = new Date(now.getTime())
  from.setSeconds(0, 0)
  return {
    name: '',
    kind: 'full_reduction',
    startsAt: toBeijingInput(from),
    endsAt: toBeijingInput(new Date(from.getTime() + 7 * 86_400_000)),
    scope: 'all',
    scopeIds: [],
    tiers: [{ thresholdYuan: '', amountYuan: '' }],
    repeat: false,
    maxRepeats: null,
    skuPrices: [{ skuId: null, mode: 'rate', value: '' }],
    perShopperLimit: null,
    buyMode: 'free',
    buyN: 2,
    getM: 1,
    rate: '',
    productIds: [],
    bundleMode: 'price',
    bundleYuan: '',
  }
}

const yuanText = (fen: number | null | undefined): string =>
  fen === null || fen === undefined ? '' : (fen / 100).toFixed(2).replace(/\.00$/, '')

/** 800‰ -> "8", 850‰ -> "8.5". */
export const rateText = (permille: number | null | undefined): string =>
  permille === null || permille === undefined ? '' : String(permille / 100)

/** "8.5" (折) -> 850‰; null when not a 折 of 0.1..9.99 (or 0 with `allowZero`). */
export function parseRate(text: string, allowZero = false): number | null {
  const s = text.trim()
  if (!/^\d(\.\d{1,2})?$/.test(s)) return null
  const permille = Math.round(Number(s) * 100)
  if (permille > 999 || permille < (allowZero ? 0 : 1)) return null
  return permille
}

/** A stored promotion back into the form (to edit a draft or view another). */
export function formFromPromotion(p: Promotion): PromotionForm {
  const form = emptyPromotionForm()
  return {
    ...form,
    name: p.name,
    kind: p.kind,
    startsAt: toBeijingInput(new Date(p.starts_at)),
    endsAt: toBeijingInput(new Date(p.ends_at)),
    scope: p.scope,
    scopeIds: [...p.scope_ids],
    tiers: p.tiers.length
      ? p.tiers.map((t) => ({ thresholdYuan: yuanText(t.threshold), amountYuan: yuanText(t.amount) }))
      : form.tiers,
    repeat: p.repeat,
    maxRepeats: p.max_repeats ?? null,
    skuPrices: p.sku_prices.length
      ? p.sku_prices.map((e) =>
          e.price !== null && e.price !== undefined
            ? { skuId: e.sku_id, mode: 'price' as const, value: yuanText(e.price) }
            : { skuId: e.sku_id, mode: 'rate' as const, value: rateText(e.rate_permille) },
        )
      : form.skuPrices,
    perShopperLimit: p.per_shopper_limit ?? null,
    buyMode: p.rate_permille !== null && p.rate_permille !== undefined ? 'rate' : 'free',
    buyN: p.buy_n ?? form.buyN,
    getM: p.get_m ?? form.getM,
    rate: rateText(p.rate_permille),
    productIds: [...p.product_ids],
    bundleMode: p.amount_off ? 'off' : 'price',
    bundleYuan: yuanText(p.bundle_price ?? p.amount_off),
  }
}

export type FormResult = { body: PromotionCreate } | { field: PromotionField; message: string }

function fail(field: PromotionField, message: string): FormResult {
  return { field, message }
}

function tiersOf(form: PromotionForm): { threshold: number; amount: number }[] | FormResult {
  if (!form.tiers.length) return fail('tiers', '至少设置一档满减')
  if (form.tiers.length > MAX_TIERS) return fail('tiers', `最多 ${MAX_TIERS} 档`)
  if (form.repeat && form.tiers.length !== 1) return fail('tiers', '每满减只设置一档')
  const tiers = []
  for (const row of form.tiers) {
    const threshold = parseYuan(row.thresholdYuan)
    const amount = parseYuan(row.amountYuan)
    if (!threshold || !amount) return fail('tiers', '门槛和减额须为大于 0 的金额（元）')
    if (amount > threshold) return fail('tiers', '减额不能超过门槛')
    tiers.push({ threshold, amount })
  }
  tiers.sort((a, b) => a.threshold - b.threshold)
  for (let i = 1; i < tiers.length; i++) {
    if (tiers[i]!.threshold === tiers[i - 1]!.threshold) return fail('tiers', '档位门槛不能重复')
    if (tiers[i]!.amount <= tiers[i - 1]!.amount) return fail('tiers', '门槛越高，减额应越多')
  }
  return tiers
}

/** The API body of a form, or the first field to correct (same rules as the API). */
export function promotionBody(form: PromotionForm, now: Date = new Date()): FormResult {
  const name = form.name.trim()
  if (!name || name.length > 60) return fail('name', '请填写活动名称（最多 60 字）')
  const startsAt = beijingInputToIso(form.startsAt)
  const endsAt = beijingInputToIso(form.endsAt)
  if (!startsAt || !endsAt) return fail('window', '请填写开始和结束时间')
  if (new Date(endsAt) <= new Date(startsAt)) return fail('window', '结束时间须晚于开始时间')
  if (new Date(endsAt) <= now) return fail('window', '结束时间已过')
  const body: PromotionCreate = { name, kind: form.kind, starts_at: startsAt, ends_at: endsAt, scope: 'all', repeat: false }
  if (form.kind === 'full_reduction' || form.kind === 'buy_n_get_m') {
    if (form.scope !== 'all' && !form.scopeIds.length) return fail('scopeIds', '请选择商品或分类')
    body.scope = form.scope
    body.scope_ids = form.scope === 'all' ? [] : [...form.scopeIds]
  }
  if (form.kind === 'full_reduction') {
    const tiers = tiersOf(form)
    if (!Array.isArray(tiers)) return tiers
    body.tiers = tiers
    body.repeat = form.repeat
    if (form.repeat && form.maxRepeats !== null) {
      if (!Number.isInteger(form.maxRepeats) || form.maxRepeats < 1 || form.maxRepeats > 1000)
        return fail('maxRepeats', '封顶次数为 1–1000')
      body.max_repeats = form.maxRepeats
    }
  } else if (form.kind === 'sku_discount') {
    if (!form.skuPrices.length) return fail('skuPrices', '至少选择一个 SKU')
    const seen = new Set<number>()
    body.sku_prices = []
    for (const row of form.skuPrices) {
      if (!row.skuId) return fail('skuPrices', '请选择 SKU')
      if (seen.has(row.skuId)) return fail('skuPrices', `SKU ${row.skuId} 重复`)
      seen.add(row.skuId)
      if (row.mode === 'rate') {
        const rate = parseRate(row.value)
        if (rate === null) return fail('skuPrices', '折扣为 0.1–9.99 折')
        body.sku_prices.push({ sku_id: row.skuId, rate_permille: rate })
      } else {
        const price = parseYuan(row.value)
        if (price === null) return fail('skuPrices', '特价须为金额（元）')
        body.sku_prices.push({ sku_id: row.skuId, price })
      }
    }
    if (form.perShopperLimit !== null) {
      if (!Number.isInteger(form.perShopperLimit) || form.perShopperLimit < 1 || form.perShopperLimit > 999)
        return fail('perShopperLimit', '每人限购 1–999 件')
      body.per_shopper_limit = form.perShopperLimit
    }
  } else if (form.kind === 'buy_n_get_m') {
    if (!form.buyN || form.buyN < 2 || form.buyN > 100) return fail('buyN', 'N 为 2–100')
    body.buy_n = form.buyN
    if (form.buyMode === 'free') {
      if (!form.getM || form.getM < 1 || form.getM >= form.buyN) return fail('getM', 'M 为 1 到 N-1')
      body.get_m = form.getM
    } else {
      const rate = parseRate(form.rate, true)
      if (rate === null) return fail('rate', '折扣为 0–9.99 折（0 即免费）')
      body.rate_permille = rate
    }
  } else {
    const ids = [...new Set(form.productIds)]
    if (ids.length < 2 || ids.length > 10) return fail('productIds', '套餐包含 2–10 个商品')
    body.product_ids = ids
    const fen = parseYuan(form.bundleYuan)
    if (!fen) return fail('bundle', '请填写大于 0 的金额（元）')
    if (form.bundleMode === 'price') body.bundle_price = fen
    else body.amount_off = fen
  }
  return { body }
}

/** The form field an API refusal names (`field` of the problem), for the inline error. */
export function fieldOfProblem(field: unknown): PromotionField | null {
  const map: Record<string, PromotionField> = {
    name: 'name',
    ends_at: 'window',
    starts_at: 'window',
    tiers: 'tiers',
    max_repeats: 'maxRepeats',
    scope: 'scopeIds',
    scope_ids: 'scopeIds',
    sku_prices: 'skuPrices',
    per_shopper_limit: 'perShopperLimit',
    buy_n: 'buyN',
    get_m: 'getM',
    rate_permille: 'rate',
    product_ids: 'productIds',
    bundle_price: 'bundle',
    amount_off: 'bundle',
  }
  return typeof field === 'string' ? (map[field] ?? null) : null
}

/** The policy's cap typed as a percentage ("50" = at most half off): ‰, null when empty
 * (no cap), undefined when not 0.1..100. */
export function parseCap(text: string): number | null | undefined {
  const s = text.trim()
  if (!s) return null
  if (!/^\d{1,3}(\.\d)?$/.test(s)) return undefined
  const permille = Math.round(Number(s) * 10)
  return permille >= 1 && permille <= 1000 ? permille : undefined
}

/** Ids typed in one box ("12, 15 18"): the distinct ids in order, and what is not an id. */
export function parseIds(text: string): { ids: number[]; invalid: string[] } {
  const ids: number[] = []
  const invalid: string[] = []
  for (const part of text.split(/[\s,，、]+/).filter(Boolean)) {
    if (/^\d{1,18}$/.test(part) && Number(part) > 0) {
      if (!ids.includes(Number(part))) ids.push(Number(part))
    } else invalid.push(part)
  }
  return { ids, invalid }
}

/** The sample cart of the preview panel ("SKU×数量" rows) as the API's items; rows without a
 * SKU are skipped. */
export function sampleItems(rows: { skuId: number | null; quantity: number | null }[]): { sku_id: number; quantity: number }[] {
  return rows
    .filter((r) => r.skuId && r.quantity && r.quantity >= 1)
    .map((r) => ({ sku_id: r.skuId as number, quantity: Math.min(r.quantity as number, 999) }))
}

/**
 * What an applied promotion took off each order line, in the order's line order, by title
 * ("棒球帽 -¥4.54"); lines it did not touch are left out, a SKU the order no longer lists is
 * named by its id.
 */
export function promotionLineTexts(
  p: Pick<OrderPromotion, 'lines'>,
  lines: readonly { sku_id: number; title: string; spec_text?: string | null }[],
): string[] {
  const shares = new Map(Object.entries(p.lines).map(([sku, fen]) => [Number(sku), fen]))
  const out: string[] = []
  for (const line of lines) {
    const fen = shares.get(line.sku_id)
    if (!fen) continue
    const name = line.spec_text ? `${line.title} ${line.spec_text}` : line.title
    out.push(`${name} -${formatFen(fen)}`)
    shares.delete(line.sku_id)
  }
  for (const [sku, fen] of shares) if (fen) out.push(`SKU ${sku} -${formatFen(fen)}`)
  return out
}

/** What each field's error is about, as text: an error is cleared once its field's text changes
 * (the ID boxes are typed as text, so they are passed in as typed). */
export function fieldTexts(form: PromotionForm, scopeText: string, productText: string): Record<PromotionField, string> {
  const j = (v: unknown) => JSON.stringify(v)
  return {
    name: form.name,
    window: j([form.startsAt, form.endsAt]),
    tiers: j([form.tiers, form.repeat]),
    maxRepeats: j([form.maxRepeats, form.repeat]),
    scopeIds: j([form.scope, scopeText]),
    skuPrices: j(form.skuPrices),
    perShopperLimit: j(form.perShopperLimit),
    buyN: j([form.buyMode, form.buyN]),
    getM: j([form.buyMode, form.getM]),
    rate: j([form.buyMode, form.rate]),
    productIds: productText,
    bundle: j([form.bundleMode, form.bundleYuan]),
  }
}

/** ``errors`` without those whose field's text differs between ``before`` and ``after``. */
export function clearChanged(
  errors: Partial<Record<PromotionField, string>>,
  before: Record<PromotionField, string>,
  after: Record<PromotionField, string>,
): Partial<Record<PromotionField, string>> {
  const kept: Partial<Record<PromotionField, string>> = {}
  for (const [field, text] of Object.entries(errors) as [PromotionField, string][]) {
    if (before[field] === after[field]) kept[field] = text
  }
  return kept
}
