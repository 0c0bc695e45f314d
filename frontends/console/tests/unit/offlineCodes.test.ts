import { describe, expect, it } from 'vitest'
import { buildBulk, buildOfflineCode, emptyOfflineCodeForm } from '@/lib/offlineCodes'

describe('线下码 form', () => {
  it('builds a home code with only a label and placement', () => {
    const built = buildOfflineCode({ ...emptyOfflineCodeForm(), label: ' 门口海报 ' })
    expect(built).toEqual({ body: { label: '门口海报', placement: 'poster', target_kind: 'home' }, errors: null })
  })

  it('carries the store, campaign and product target', () => {
    const form = { ...emptyOfflineCodeForm(), label: '货架A3', placement: 'shelf' as const, storeId: 7, campaignId: '3', targetKind: 'product' as const, targetId: '42' }
    expect(buildOfflineCode(form).body).toEqual({
      label: '货架A3', placement: 'shelf', store_id: 7, campaign_id: 3, target_kind: 'product', target_id: 42,
    })
  })

  it('names the fields at fault', () => {
    const form = { ...emptyOfflineCodeForm(), campaignId: 'x', targetKind: 'product' as const }
    expect(buildOfflineCode(form).errors).toEqual({ label: '请填写名称', campaign: '活动 ID 应为正整数', target: '请填写要打开的商品、门店或活动 ID' })
  })

  it('a campaign page defaults to the code campaign', () => {
    const form = { ...emptyOfflineCodeForm(), label: '桌牌', campaignId: '5', targetKind: 'campaign' as const }
    expect(buildOfflineCode(form).body).toEqual({ label: '桌牌', placement: 'poster', campaign_id: 5, target_kind: 'campaign' })
  })

  it('bulk needs a campaign and opens its page by default', () => {
    expect(buildBulk({ ...emptyOfflineCodeForm(), label: '桌牌' }).errors).toEqual({ campaign: '按门店批量生成需要活动 ID' })
    expect(buildBulk({ ...emptyOfflineCodeForm(), label: '桌牌', campaignId: '5', placement: 'table_tent' }).body).toEqual({
      campaign_id: 5, placement: 'table_tent', label: '桌牌', target_kind: 'campaign',
    })
  })
})
