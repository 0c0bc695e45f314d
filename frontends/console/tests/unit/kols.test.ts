import { describe, expect, it } from 'vitest'
import { graphSeries, inviteBody, type InviteForm } from '@/lib/kols'

const form = (over: Partial<InviteForm> = {}): InviteForm => ({
  kind: 'campaign',
  play: 'bargain',
  campaignId: '7',
  couponTemplateId: '',
  ...over,
})

describe('inviteBody', () => {
  it('asks for a selection first', () => {
    expect(inviteBody([], form())).toBe('请先选择达人')
  })
  it('sends promoters without a campaign', () => {
    expect(inviteBody([3, 4], form({ kind: 'promoter' }))).toEqual({ member_ids: [3, 4], kind: 'promoter' })
  })
  it('needs a campaign id and a whole coupon template id', () => {
    expect(inviteBody([3], form({ campaignId: '' }))).toBe('请填写活动编号')
    expect(inviteBody([3], form({ couponTemplateId: '1.5' }))).toBe('优惠券模板编号应为正整数')
    expect(inviteBody([3], form({ couponTemplateId: ' 12 ' }))).toEqual({
      member_ids: [3],
      kind: 'campaign',
      play: 'bargain',
      campaign_id: 7,
      coupon_template_id: 12,
    })
  })
})

describe('graphSeries', () => {
  it('sizes sharers by influence and colours communities', () => {
    const series = graphSeries({
      run: null,
      communities: 2,
      nodes: [
        { id: 1, name: 'A', community: 0, rank: 1, pagerank: 0.4 },
        { id: 2, name: 'B', community: 1, rank: 2, pagerank: 0.2 },
        { id: 3, name: 'C', community: -1, rank: null, pagerank: 0 },
      ],
      links: [{ source: 1, target: 3 }],
    })
    expect(series.nodes.map((n) => [n.id, n.category, n.symbolSize])).toEqual([
      ['1', 0, 40],
      ['2', 1, 27],
      ['3', 2, 8],
    ])
    expect(series.links).toEqual([{ source: '1', target: '3' }])
    expect(series.categories.map((c) => c.name)).toEqual(['圈子 1', '圈子 2', '其他'])
  })
})
