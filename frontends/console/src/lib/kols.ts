/**
 * 达人发现: pure helpers of the KOL screen (tested in tests/unit/kols.test.ts): the invitation
 * body from the dialog's form, and the ECharts graph series from the backend's nodes and links.
 */
import type { InviteBody, KolGraph } from '@/api/types'

export type InviteKind = 'promoter' | 'campaign'

export interface InviteForm {
  kind: InviteKind
  play: 'groupbuy' | 'bargain' | 'crowdfunding'
  campaignId: string
  couponTemplateId: string
}

/** The body to send, or a message saying what is missing (nothing is sent then). */
export function inviteBody(memberIds: number[], form: InviteForm): InviteBody | string {
  if (memberIds.length === 0) return '请先选择达人'
  if (form.kind === 'promoter') return { member_ids: memberIds, kind: 'promoter' }
  const campaignId = Number(form.campaignId)
  if (!Number.isInteger(campaignId) || campaignId < 1) return '请填写活动编号'
  const body: InviteBody = { member_ids: memberIds, kind: 'campaign', play: form.play, campaign_id: campaignId }
  if (form.couponTemplateId.trim() !== '') {
    const template = Number(form.couponTemplateId)
    if (!Number.isInteger(template) || template < 1) return '优惠券模板编号应为正整数'
    body.coupon_template_id = template
  }
  return body
}

export interface GraphSeries {
  nodes: { id: string; name: string; category: number; symbolSize: number; value: number }[]
  links: { source: string; target: string }[]
  categories: { name: string }[]
}

/** Sharers drawn larger by influence, shoppers they brought small; one category per community
 * (shoppers outside any sharer's community share the last one). */
export function graphSeries(graph: KolGraph): GraphSeries {
  const top = Math.max(...graph.nodes.map((n) => n.pagerank), 0) || 1
  const communities = new Set(graph.nodes.map((n) => n.community).filter((c) => c >= 0))
  const order = [...communities].sort((a, b) => a - b)
  const index = new Map(order.map((c, i) => [c, i]))
  const other = order.length
  return {
    nodes: graph.nodes.map((n) => ({
      id: String(n.id),
      name: n.name,
      category: index.get(n.community) ?? other,
      symbolSize: n.rank === null ? 8 : 14 + Math.round((26 * n.pagerank) / top),
      value: n.pagerank,
    })),
    links: graph.links.map((l) => ({ source: String(l.source), target: String(l.target) })),
    categories: [...order.map((c) => ({ name: `圈子 ${c + 1}` })), { name: '其他' }],
  }
}
