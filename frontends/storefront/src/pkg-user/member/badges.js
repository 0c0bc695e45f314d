// 会员中心's badge row: the newest unlocked badges from GET /me/achievements/summary, the count
// "已解锁 3/12" and the link to 我的成就.
import { ACHIEVEMENT_LABELS } from '@shoplet/shared'

export const ACHIEVEMENTS_URL = '/pkg-user/achievements/index'
export const BADGES_SHOWN = 4

/** The row as the page shows it; null summary (not loaded, or the call failed): no row. */
export function badgeRow(summary, max = BADGES_SHOWN) {
  if (!summary) return null
  const items = (summary.latest || []).slice(0, max).map((b) => ({
    code: b.code,
    name: b.name,
    url: b.badge_url,
    label: `${b.name}徽章`,
  }))
  return {
    items,
    count: `${ACHIEVEMENT_LABELS.unlockedCount} ${summary.unlocked_count}/${summary.total}`,
    empty: items.length === 0,
    link: ACHIEVEMENTS_URL,
  }
}
