/**
 * Flash sales (秒杀) in the console: status labels, the create form -> API body, the live
 * figures derived from a campaign's counters, and the refresh cadence of the live view.
 *
 * The console API gives, per SKU, `stock` (units carved), `remaining` (the live counter, null
 * until warmed), `ordered`, `returned` (handed back to the counter), `released` (cancelled after
 * their hold expired) and `failed` (handed back). It exposes no request/attempt counter and no
 * queue length: "in flight" below is the number of accepted units not yet turned into an order,
 * derived from the counters (the consumer's backlog in units, not requests).
 */
import type { FlashSale, FlashSaleCreate, FlashSaleStatus } from '@/api/types'
import { yuanToFen } from './money'

export const FLASH_STATUS_LABELS: Record<FlashSaleStatus, string> = {
  upcoming: '未开始',
  live: '进行中',
  sold_out: '已售罄',
  ended: '已结束',
  cancelled: '已取消',
}

export const FLASH_STATUS_TAG: Record<FlashSaleStatus, 'info' | 'success' | 'warning' | 'danger' | 'primary'> = {
  upcoming: 'primary',
  live: 'success',
  sold_out: 'warning',
  ended: 'info',
  cancelled: 'danger',
}

/** Beijing time: the console shows and takes every time in Asia/Shanghai (UTC+8, no DST). */
const BEIJING_OFFSET_MS = 8 * 3600 * 1000

/** A `datetime-local` value typed as Beijing time -> ISO 8601 with offset, or null if invalid. */
export function beijingInputToIso(value: string): string | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value.trim())
  if (!match) return null
  const [, y, mo, d, h, mi, s = '00'] = match
  const utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s))
  const check = new Date(utc)
  if (check.getUTCMonth() !== Number(mo) - 1 || check.getUTCDate() !== Number(d)) return null
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return null
  return `${y}-${mo}-${d}T${h}:${mi}:${s}+08:00`
}

/** A date -> `datetime-local` value (seconds included) in Beijing time. */
export function toBeijingInput(date: Date): string {
  return new Date(date.getTime() + BEIJING_OFFSET_MS).toISOString().slice(0, 19)
}

export interface FlashItemForm {
  skuId: number
  label: string
  /** The SKU's current price in fen (the flash price may not exceed it). */
  price: number
  /** Free stock the campaign can carve from. */
  available: number
  flashPriceYuan: string
  stock: number
  limit: number
}

export interface FlashForm {
  title: string
  startsAt: string
  endsAt: string
  paymentTimeoutMinutes: number
  freeShipping: boolean
  items: FlashItemForm[]
}

const MAX_DURATION_MS = 7 * 24 * 3600 * 1000

/**
 * The create form -> `POST /console/flash-sales` body, or the list of problems (in Chinese) the
 * merchant has to fix first. The backend checks all of it again.
 */
export function buildFlashSaleBody(
  form: FlashForm,
  now: Date = new Date(),
): { body: FlashSaleCreate; errors: [] } | { body: null; errors: string[] } {
  const errors: string[] = []
  const title = form.title.trim()
  if (!title) errors.push('请填写活动名称')
  else if (title.length > 60) errors.push('活动名称最多 60 个字')
  const startsAt = beijingInputToIso(form.startsAt)
  const endsAt = beijingInputToIso(form.endsAt)
  if (!startsAt) errors.push('请填写开始时间')
  if (!endsAt) errors.push('请填写结束时间')
  if (startsAt && endsAt) {
    const start = Date.parse(startsAt)
    const end = Date.parse(endsAt)
    if (start <= now.getTime()) errors.push('开始时间须晚于现在')
    if (end <= start) errors.push('结束时间须晚于开始时间')
    else if (end - start > MAX_DURATION_MS) errors.push('一场秒杀最长 7 天')
  }
  const timeout = form.paymentTimeoutMinutes
  if (!Number.isInteger(timeout) || timeout < 1 || timeout > 120) {
    errors.push('支付时限为 1–120 分钟')
  }
  if (form.items.length === 0) errors.push('请至少选择一个 SKU')
  if (form.items.length > 20) errors.push('一场秒杀最多 20 个 SKU')
  const seen = new Set<number>()
  const items: FlashSaleCreate['items'] = []
  for (const item of form.items) {
    if (seen.has(item.skuId)) errors.push(`${item.label}：重复选择`)
    seen.add(item.skuId)
    let price: number | null = null
    try {
      price = item.flashPriceYuan.trim() ? yuanToFen(item.flashPriceYuan) : null
    } catch {
      price = null
    }
    if (price === null || price < 1) errors.push(`${item.label}：请填写秒杀价`)
    else if (price > item.price) errors.push(`${item.label}：秒杀价不能高于售价`)
    if (!Number.isInteger(item.stock) || item.stock < 1) errors.push(`${item.label}：秒杀库存至少 1 件`)
    else if (item.stock > item.available) errors.push(`${item.label}：可售库存只有 ${item.available} 件`)
    if (!Number.isInteger(item.limit) || item.limit < 1 || item.limit > 99) {
      errors.push(`${item.label}：每人限购 1–99 件`)
    } else if (Number.isInteger(item.stock) && item.limit > item.stock) {
      errors.push(`${item.label}：每人限购不能超过秒杀库存`)
    }
    if (price !== null) {
      items.push({ sku_id: item.skuId, flash_price: price, stock: item.stock, per_shopper_limit: item.limit })
    }
  }
  if (errors.length || !startsAt || !endsAt) return { body: null, errors }
  return {
    body: {
      title,
      starts_at: startsAt,
      ends_at: endsAt,
      payment_timeout_seconds: timeout * 60,
      free_shipping: form.freeShipping,
      items,
    },
    errors: [],
  }
}

export interface LiveFigures {
  /** Units carved for the sale. */
  stock: number
  /** Units on the live counter (null until the campaign is warmed into the store). */
  remaining: number | null
  /** Units accepted and still someone's: stock - remaining (null until warmed). */
  sold: number | null
  /** Units in orders that were not cancelled. */
  ordered: number
  /** Accepted units not yet turned into an order (consumer backlog), null until warmed. */
  inFlight: number | null
  /** Units handed back to the counter (cancelled or timed-out orders, failed requests). */
  handedBack: number
}

/** Totals over a campaign's SKUs. */
export function liveFigures(campaign: Pick<FlashSale, 'items'>): LiveFigures {
  let stock = 0
  let remaining: number | null = 0
  let ordered = 0
  let released = 0
  let handedBack = 0
  for (const item of campaign.items) {
    stock += item.stock
    ordered += item.ordered
    released += item.released
    handedBack += item.returned + item.failed
    remaining = remaining === null || item.remaining === null ? null : remaining + item.remaining
  }
  // counter = stock - accepted + handed back, and accepted = ordered + released + handed back
  // + in flight, so in flight = stock - counter - ordered - released.
  const sold = remaining === null ? null : stock - remaining
  const inFlight = remaining === null ? null : Math.max(0, stock - remaining - ordered - released)
  return { stock, remaining, sold, ordered, inFlight, handedBack }
}

export interface Sample {
  /** When the snapshot was taken (ms). */
  at: number
  /** Units sold (stock - remaining) at that time. */
  sold: number
}

/**
 * Units sold per second between the oldest and newest sample of the window (null with fewer
 * than two samples or no time between them). The API has no request counter, so this is the
 * sell-through rate, not requests per second.
 */
export function soldPerSecond(samples: readonly Sample[]): number | null {
  if (samples.length < 2) return null
  const first = samples[0]!
  const last = samples[samples.length - 1]!
  const seconds = (last.at - first.at) / 1000
  if (seconds <= 0) return null
  return Math.max(0, last.sold - first.sold) / seconds
}

/** Keep the samples of the last `windowMs` (and at most `max`), appending `sample`. */
export function pushSample(samples: readonly Sample[], sample: Sample, windowMs = 30_000, max = 20): Sample[] {
  const kept = samples.filter((s) => sample.at - s.at <= windowMs)
  return [...kept, sample].slice(-max)
}

export const LIVE_REFRESH_MS = 3000
const SOON_MS = 10 * 60 * 1000

/**
 * How long the live view waits before the next refresh, or null to stop: every few seconds while
 * the sale runs (and in the last 10 minutes before it starts, to catch the start); not at all
 * once it ended or was cancelled.
 */
export function refreshDelay(campaign: Pick<FlashSale, 'status' | 'starts_at'>, now: number = Date.now()): number | null {
  switch (campaign.status) {
    case 'live':
    case 'sold_out':
      return LIVE_REFRESH_MS
    case 'upcoming':
      return Date.parse(campaign.starts_at) - now <= SOON_MS ? LIVE_REFRESH_MS : 30_000
    default:
      return null
  }
}
