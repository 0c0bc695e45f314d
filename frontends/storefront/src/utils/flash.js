// Flash sales (秒杀): pure helpers for the server clock, the countdown, what the countdown
// announces to screen readers, buy refusals and ticket polling. Pages stay thin; vitest covers
// all of this (tests/unit/flash.test.js).
import { errorText } from '@shoplet/shared'
import { countdown, formatShanghai } from './time'

/**
 * Offset (ms) to add to the device clock to get the server clock, from one `GET /time` round
 * trip: the server stamped `epochMs` somewhere between `sentAt` and `receivedAt` (device clock),
 * so its midpoint is the best estimate (NTP style). A device clock that is wrong by hours (or a
 * shopper who moved it to cheat) does not change when the sale starts on the page.
 */
export function serverOffset({ epochMs, sentAt, receivedAt }) {
  const rtt = Math.max(0, receivedAt - sentAt)
  return Math.round(epochMs - (sentAt + rtt / 2))
}

/**
 * Keeps the best offset of several samples: the one measured with the shortest round trip is
 * the most precise. `sample()` returns the offset now in use.
 */
export function createServerClock({ now = () => Date.now() } = {}) {
  let best = null
  return {
    add({ epochMs, sentAt, receivedAt }) {
      const rtt = Math.max(0, receivedAt - sentAt)
      if (!best || rtt <= best.rtt) best = { rtt, offset: serverOffset({ epochMs, sentAt, receivedAt }) }
      return best.offset
    },
    get synced() {
      return best !== null
    },
    get offset() {
      return best ? best.offset : 0
    },
    /** Server time now, in epoch ms. */
    now() {
      return now() + (best ? best.offset : 0)
    },
  }
}

/** Sync `clock` with `fetchTime()` (resolves `{epoch_ms}`); `samples` round trips. */
export async function syncServerClock(clock, fetchTime, { samples = 2, now = () => Date.now() } = {}) {
  for (let i = 0; i < samples; i++) {
    const sentAt = now()
    const res = await fetchTime()
    clock.add({ epochMs: res.epoch_ms, sentAt, receivedAt: now() })
  }
  return clock.offset
}

/**
 * Where a campaign stands at server time `serverNow` (epoch ms): `upcoming` (counting down to
 * the start), `live` (counting down to the end), `sold_out` (live, nothing left) or `ended`.
 * The window decides over a stale `status` from a cached page; `sold_out` comes from the data.
 */
export function campaignPhase(campaign, serverNow) {
  const start = Date.parse(campaign.starts_at)
  const end = Date.parse(campaign.ends_at)
  if (campaign.status === 'ended' || serverNow >= end) return 'ended'
  if (serverNow < start) return 'upcoming'
  const items = campaign.items || []
  if (campaign.status === 'sold_out' || (items.length && items.every((i) => i.remaining <= 0))) return 'sold_out'
  return 'live'
}

/** `{phase, ms, text, label}`: the countdown a campaign shows at server time `serverNow`. */
export function flashCountdown(campaign, serverNow) {
  const phase = campaignPhase(campaign, serverNow)
  const target = phase === 'upcoming' ? Date.parse(campaign.starts_at) : Date.parse(campaign.ends_at)
  const ms = phase === 'ended' ? 0 : Math.max(0, target - serverNow)
  const cd = countdown(ms)
  const days = Math.floor(cd.hours / 24)
  const text = days > 0 ? `${days}天 ${countdown(ms - days * 86400_000).text}` : cd.text
  const label = { upcoming: '距开始', live: '距结束', sold_out: '距结束', ended: '已结束' }[phase]
  return { phase, ms, text, label }
}

/** Words a screen reader can say: "1小时2分3秒". */
export function spokenDuration(ms) {
  const { hours, minutes, seconds } = countdown(ms)
  const parts = []
  if (hours) parts.push(`${hours}小时`)
  if (minutes) parts.push(`${minutes}分`)
  if (seconds || !parts.length) parts.push(`${seconds}秒`)
  return parts.join('')
}

/**
 * How often the countdown's live region speaks: once a minute while more than a minute is
 * left, every 10 s in the last minute, every second in the last 5 s. The visual timer ticks
 * every second; the live region only changes at these steps (a region that changes every
 * second makes a screen reader unusable).
 */
export function announceStep(ms) {
  if (ms > 60_000) return 60_000
  if (ms > 5_000) return 10_000
  return 1_000
}

/** The text the live region holds at `ms` left: it changes only at `announceStep` boundaries. */
export function announcement(label, ms) {
  if (ms <= 0) return ''
  const step = announceStep(ms)
  const rounded = Math.ceil(ms / step) * step
  return `${label} ${spokenDuration(rounded)}`
}

/**
 * A shopper-facing message for a flash-sale refusal (ApiError code), from the shared glossary.
 * @param {string | null | undefined} code
 * @param {string} [fallback]
 */
export function flashMessage(code, fallback = '抢购失败，请重试') {
  return errorText(code, fallback)
}

/** Ticket failure reasons (from the order the worker tried to create) in shopper words. */
export function ticketFailureMessage(reason) {
  if (!reason) return '下单失败，名额已退回'
  if (reason.includes('address')) return '下单失败：请检查默认收货地址，名额已退回'
  if (reason.includes('stock') || reason.includes('insufficient')) return '下单失败：库存不足，名额已退回'
  return `下单失败（${reason}），名额已退回`
}

const sleep = (/** @type {number} */ ms) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Poll a ticket until the order is created or the request failed: resolves the last ticket
 * (`status` "created" with `order_no`, "failed" with `reason`, or still "queued" after
 * `maxAttempts`). Network errors and 503s are retried; other errors reject. `onUpdate` sees
 * every answer; `isCancelled()` stops early (the page was left).
 * @param {() => Promise<any>} fetchTicket
 * @param {{
 *   intervalMs?: number,
 *   maxAttempts?: number,
 *   onUpdate?: (ticket: any) => void,
 *   isCancelled?: () => boolean,
 *   wait?: (ms: number) => Promise<unknown>,
 * }} [options]
 */
export async function pollTicket(
  fetchTicket,
  { intervalMs = 1500, maxAttempts = 60, onUpdate = () => {}, isCancelled = () => false, wait = sleep } = {},
) {
  let last = null
  for (let attempt = 0; attempt < maxAttempts && !isCancelled(); attempt++) {
    if (attempt > 0) await wait(intervalMs)
    if (isCancelled()) break
    try {
      last = await fetchTicket()
    } catch (err) {
      if (err && (err.code === 'network' || err.status === 503 || err.status === 429)) continue
      throw err
    }
    onUpdate(last)
    if (last.status === 'created' || last.status === 'failed') return last
  }
  return last
}

/**
 * The home page's flash-sale entry: the live campaign ending soonest, else the upcoming one
 * starting soonest (`{id, title, phase, text}`), or null when none is live or upcoming. The
 * device clock is good enough for this line (the campaign page counts down on server time).
 */
export function homeFlashEntry(campaigns, now) {
  const rows = (campaigns || []).map((c) => ({ c, phase: campaignPhase(c, now) }))
  const live = rows.filter((r) => r.phase === 'live').sort((a, b) => Date.parse(a.c.ends_at) - Date.parse(b.c.ends_at))
  const upcoming = rows
    .filter((r) => r.phase === 'upcoming')
    .sort((a, b) => Date.parse(a.c.starts_at) - Date.parse(b.c.starts_at))
  const pick = live[0] || upcoming[0]
  if (!pick) return null
  const text =
    pick.phase === 'live'
      ? `抢购中 · ${formatShanghai(pick.c.ends_at).slice(5)} 结束`
      : `即将开始 · ${formatShanghai(pick.c.starts_at).slice(5)} 开抢`
  return { id: pick.c.id, title: pick.c.title, phase: pick.phase, text }
}
