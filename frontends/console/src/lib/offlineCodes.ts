/**
 * 线下码 form: what the console sends to create a code (or one per store for a campaign), checked
 * before sending so a missing target says which field; the backend checks every id again.
 */
import type { OfflineCodeBulkCreate, OfflineCodeCreate } from '@/api/types'

export type OfflinePlacement = OfflineCodeCreate['placement']
export type OfflineTarget = NonNullable<OfflineCodeCreate['target_kind']>

export interface OfflineCodeForm {
  label: string
  placement: OfflinePlacement
  storeId: number | null
  campaignId: string
  targetKind: OfflineTarget
  targetId: string
}

export type OfflineCodeField = 'label' | 'campaign' | 'target'

export function emptyOfflineCodeForm(): OfflineCodeForm {
  return { label: '', placement: 'poster', storeId: null, campaignId: '', targetKind: 'home', targetId: '' }
}

function positiveId(text: string): number | null | undefined {
  const trimmed = text.trim()
  if (trimmed === '') return null
  return /^[1-9]\d{0,17}$/.test(trimmed) ? Number(trimmed) : undefined
}

type Built<T> = { body: T; errors: null } | { body: null; errors: Partial<Record<OfflineCodeField, string>> }

/** The create body, or the fields at fault (Chinese messages). */
export function buildOfflineCode(form: OfflineCodeForm): Built<OfflineCodeCreate> {
  const errors: Partial<Record<OfflineCodeField, string>> = {}
  const label = form.label.trim()
  if (!label) errors.label = '请填写名称'
  const campaign = positiveId(form.campaignId)
  if (campaign === undefined) errors.campaign = '活动 ID 应为正整数'
  const target = positiveId(form.targetId)
  if (target === undefined) errors.target = '目标 ID 应为正整数'
  else if (form.targetKind !== 'home' && target === null && !(form.targetKind === 'campaign' && campaign)) {
    errors.target = '请填写要打开的商品、门店或活动 ID'
  }
  if (Object.keys(errors).length > 0) return { body: null, errors }
  const body: OfflineCodeCreate = { label, placement: form.placement, target_kind: form.targetKind }
  if (form.storeId) body.store_id = form.storeId
  if (campaign) body.campaign_id = campaign
  if (form.targetKind !== 'home' && target) body.target_id = target
  return { body, errors: null }
}

/** The body of "one code per store" for the form's campaign (its page unless a target is set). */
export function buildBulk(form: OfflineCodeForm): Built<OfflineCodeBulkCreate> {
  if (!positiveId(form.campaignId)) return { body: null, errors: { campaign: '按门店批量生成需要活动 ID' } }
  const built = buildOfflineCode({ ...form, targetKind: form.targetKind === 'home' ? 'campaign' : form.targetKind })
  if (built.errors) return built
  return {
    body: {
      campaign_id: Number(built.body.campaign_id),
      placement: built.body.placement,
      label: built.body.label,
      target_kind: built.body.target_kind,
      ...(built.body.target_id ? { target_id: built.body.target_id } : {}),
    },
    errors: null,
  }
}
