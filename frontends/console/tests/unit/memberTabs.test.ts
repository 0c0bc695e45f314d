import { describe, expect, it } from 'vitest'
import { MEMBER_TABS, memberTab } from '@/lib/memberTabs'

describe('memberTab', () => {
  const all = MEMBER_TABS
  const loyaltyOnly = MEMBER_TABS.filter((t) => t.permission === null || t.permission === 'loyalty:manage')

  it.each([
    ['points', all, 'points'],
    ['orders', all, 'orders'],
    [undefined, all, 'tier'],
    ['nonsense', all, 'tier'],
    [['points'], all, 'tier'],
    ['tier', loyaltyOnly, 'profile'],
    ['points', loyaltyOnly, 'points'],
    [undefined, [], 'profile'],
  ] as const)('?tab=%j → %s', (asked, tabs, expected) => {
    expect(memberTab(asked, tabs)).toBe(expected)
  })

  it('lists profile, tier, points, coupons and orders in that order', () => {
    expect(MEMBER_TABS.map((t) => t.title)).toEqual(['资料', '等级与成长值', '积分', '优惠券', '订单'])
  })
})
