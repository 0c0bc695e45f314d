// Times come from the API as aware UTC ISO strings; the shop shows them in Asia/Shanghai (UTC+8,
// no daylight saving), computed by hand so the mini program needs no Intl time-zone data.
const SHANGHAI_OFFSET_MS = 8 * 3600 * 1000

function pad(n) {
  return String(n).padStart(2, '0')
}

/** "2026-11-26T02:05:00Z" -> "2026-11-26 10:05". */
export function formatShanghai(iso, { seconds = false } = {}) {
  const ms = Date.parse(iso)
  if (Number.isNaN(ms)) return ''
  const d = new Date(ms + SHANGHAI_OFFSET_MS)
  const date = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`
  return `${date} ${time}${seconds ? `:${pad(d.getUTCSeconds())}` : ''}`
}

/** Remaining milliseconds -> { hours, minutes, seconds, text: "01:02:03" }; never negative. */
export function countdown(ms) {
  const total = Math.max(0, Math.floor(ms / 1000))
  const hours = Math.floor(total / 3600)
  const minutes = Math.floor((total % 3600) / 60)
  const seconds = total % 60
  return { hours, minutes, seconds, text: `${pad(hours)}:${pad(minutes)}:${pad(seconds)}` }
}

/** Milliseconds until `iso`, using an offset between the server clock and ours. */
export function msUntil(iso, { now = Date.now(), serverOffsetMs = 0 } = {}) {
  const target = Date.parse(iso)
  if (Number.isNaN(target)) return 0
  return Math.max(0, target - (now + serverOffsetMs))
}
