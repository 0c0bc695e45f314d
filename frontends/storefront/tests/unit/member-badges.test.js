// 会员中心's badge row from GET /me/achievements/summary: the newest badges (at most four), the
// count 已解锁 N/M, the link to 我的成就, and an empty row with its hint.
import { describe, expect, it } from 'vitest'
import { ACHIEVEMENTS_URL, badgeRow } from '../../src/pkg-user/member/badges'

const badge = (code, name) => ({ code, name, badge_url: `/api/v1/achievements/badges/bag-E4393C.svg`, badge_color: '#E4393C', unlocked_at: '2026-11-05T08:00:00Z' })

describe('member center badges', () => {
  it('shows the newest badges, the count and the link to 我的成就', () => {
    const summary = {
      unlocked_count: 5,
      total: 12,
      latest: [badge('a', '首单'), badge('b', '十单'), badge('c', '评价达人'), badge('d', '签到7天'), badge('e', '团长')],
    }
    const row = badgeRow(summary)
    expect(row.items.map((b) => b.name)).toEqual(['首单', '十单', '评价达人', '签到7天'])
    expect(row.items[0]).toEqual({ code: 'a', name: '首单', url: '/api/v1/achievements/badges/bag-E4393C.svg', label: '首单徽章' })
    expect(row.count).toBe('已解锁 5/12')
    expect(row.link).toBe(ACHIEVEMENTS_URL)
    expect(ACHIEVEMENTS_URL).toBe('/pkg-user/achievements/index')
    expect(row.empty).toBe(false)
    expect(badgeRow(summary, 3).items).toHaveLength(3)
  })

  it('has an empty row before the first badge, and none when the summary failed', () => {
    expect(badgeRow({ unlocked_count: 0, total: 8, latest: [] })).toMatchObject({ empty: true, count: '已解锁 0/8', items: [] })
    expect(badgeRow(null)).toBe(null)
  })
})
