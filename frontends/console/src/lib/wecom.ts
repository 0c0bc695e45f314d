/**
 * 企业微信 page helpers: the 渠道活码 form checked as the backend checks it (so a bad value is
 * named before the request), a customer's source, and the tag lists.
 */
import type { WecomContact, WecomContactWayCreate, WecomStatRow, WecomTagging } from '@/api/types'

export const CAMPAIGN_PATTERN = /^[0-9A-Za-z_-]{1,16}$/
export const STATE_MAX = 30
export const STAFF_MAX = 100

export interface ContactWayForm {
  storeId: number | null
  campaign: string
  staff: string
  remark: string
}

export type ContactWayField = 'attribution' | 'campaign' | 'staff' | 'remark'

export function emptyContactWayForm(): ContactWayForm {
  return { storeId: null, campaign: '', staff: '', remark: '' }
}

/** Comma, Chinese comma, space or newline separated ids, trimmed, empty ones dropped. */
export function splitIds(text: string): string[] {
  return text
    .split(/[,，\s]+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
}

/** The `state` Shoplet puts on a contact way: `sp`, `.s<store>` and/or `.c<campaign>`. */
export function stateOf(storeId: number | null, campaign: string): string {
  return `sp${storeId !== null ? `.s${storeId}` : ''}${campaign ? `.c${campaign}` : ''}`
}

export function buildContactWay(form: ContactWayForm): {
  body: WecomContactWayCreate | null
  errors: Partial<Record<ContactWayField, string>>
} {
  const errors: Partial<Record<ContactWayField, string>> = {}
  const campaign = form.campaign.trim()
  const staff = splitIds(form.staff)
  if (form.storeId === null && !campaign) errors.attribution = '请至少选择门店或填写活动代码'
  if (campaign && !CAMPAIGN_PATTERN.test(campaign)) errors.campaign = '活动代码须为 1–16 位字母、数字、_ 或 -'
  else if (stateOf(form.storeId, campaign).length > STATE_MAX) errors.campaign = '门店与活动代码合计超过 30 个字符'
  if (staff.length === 0 || staff.length > STAFF_MAX || new Set(staff).size !== staff.length) {
    errors.staff = '请填写 1–100 个不重复的员工 UserID'
  }
  if (form.remark.length > 30) errors.remark = '备注最多 30 个字'
  if (Object.keys(errors).length > 0) return { body: null, errors }
  return {
    body: {
      store_id: form.storeId,
      campaign: campaign || null,
      staff_userids: staff,
      remark: form.remark.trim(),
    },
    errors,
  }
}

/** Where a customer came from: 门店 · 活动, or the raw state for a way made elsewhere. */
export function sourceText(contact: Pick<WecomContact, 'store_id' | 'store_name' | 'campaign' | 'state'>): string {
  const parts: string[] = []
  if (contact.store_id !== null) parts.push(contact.store_name ?? `门店 #${contact.store_id}`)
  if (contact.campaign) parts.push(`活动 ${contact.campaign}`)
  if (parts.length > 0) return parts.join(' · ')
  return contact.state ? `state: ${contact.state}` : '（无）'
}

export function statLabel(row: WecomStatRow): string {
  return row.key === '' ? '（无）' : row.label
}

export function buildTagging(segmentId: number | null, add: string, remove: string): WecomTagging | null {
  const addIds = splitIds(add)
  const removeIds = splitIds(remove)
  if (segmentId === null || (addIds.length === 0 && removeIds.length === 0)) return null
  return { segment_id: segmentId, add_tag_ids: addIds, remove_tag_ids: removeIds }
}
