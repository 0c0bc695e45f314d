import { describe, expect, it } from 'vitest'
import { memberListRequest, tierOptions, type MemberFilters } from '@/lib/memberFilters'

const none: MemberFilters = { q: '', level: null, svip: '' }

describe('会员列表 filters', () => {
  it('reads the plain list without a tier or SVIP choice', () => {
    expect(memberListRequest(none)).toEqual({ op: 'listMembers', query: { limit: 20 } })
    expect(memberListRequest({ ...none, q: '  bob ' }, 'c1', 50)).toEqual({
      op: 'listMembers',
      query: { q: 'bob', cursor: 'c1', limit: 50 },
    })
  })

  it('asks membership for a tier, V0 included, with the same search text and cursor', () => {
    expect(memberListRequest({ ...none, level: 0 })).toEqual({ op: 'listMembersByTier', query: { level: 0, limit: 20 } })
    expect(memberListRequest({ q: 'bob', level: 2, svip: '' }, 'c2')).toEqual({
      op: 'listMembersByTier',
      query: { q: 'bob', cursor: 'c2', level: 2, limit: 20 },
    })
  })

  it('sends the SVIP choice as a boolean, with or without a tier', () => {
    expect(memberListRequest({ ...none, svip: 'yes' }).query).toEqual({ svip: true, limit: 20 })
    expect(memberListRequest({ ...none, level: 1, svip: 'no' }).query).toEqual({ level: 1, svip: false, limit: 20 })
  })

  it('lists the tiers lowest first by code and name', () => {
    const tiers = [
      { level: 2, code: 'V2', name: '黄金会员' },
      { level: 0, code: 'V0', name: '普通会员' },
    ]
    expect(tierOptions(tiers)).toEqual([
      { value: 0, label: 'V0 普通会员' },
      { value: 2, label: 'V2 黄金会员' },
    ])
  })
})
