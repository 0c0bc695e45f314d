/** The member detail page's tabs, in order, with the permission each needs (pure). */
import type { Permission } from '@/lib/permissions'

export type MemberTab = 'profile' | 'tier' | 'points' | 'coupons' | 'orders'

export interface MemberTabEntry {
  name: MemberTab
  title: string
  permission: Permission | null
}

export const MEMBER_TABS: readonly MemberTabEntry[] = [
  { name: 'profile', title: '资料', permission: null },
  { name: 'tier', title: '等级与成长值', permission: 'membership:manage' },
  { name: 'points', title: '积分', permission: 'loyalty:manage' },
  { name: 'coupons', title: '优惠券', permission: 'promotions:manage' },
  { name: 'orders', title: '订单', permission: 'orders:read' },
]

/** The tab a `?tab=` asks for when it is one of `tabs`, else the tier tab (or the first). */
export function memberTab(asked: unknown, tabs: readonly MemberTabEntry[]): MemberTab {
  const names = tabs.map((t) => t.name)
  if (typeof asked === 'string' && (names as string[]).includes(asked)) return asked as MemberTab
  if (names.includes('tier')) return 'tier'
  return names[0] ?? 'profile'
}
