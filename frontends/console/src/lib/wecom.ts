/**
 * 企业微信 page helpers: the 渠道活码 form checked as the backend checks it (so a bad value is
 * named before the request), a customer's source, and the tag lists.
 */
import { errorText } from '@shoplet/shared'
import type {
  WecomBroadcastCreate,
  WecomContact,
  WecomContactWayCreate,
  WecomJoinWayCreate,
  WecomStatRow,
  WecomTagging,
} from '@/api/types'

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

// -- 欢迎语, 客户群, 群发 -------------------------------------------------------------------

/** WeCom counts text in UTF-8 bytes (4000 at most): a Chinese character is 3. */
export const TEXT_MAX_BYTES = 4000
export const JOIN_CHATS_MAX = 5

export function utf8Bytes(text: string): number {
  return new TextEncoder().encode(text).length
}

/** The storefront pages a mini-program card may open (the backend's STOREFRONT_PAGES). */
export const CARD_PAGES: readonly { value: string; label: string }[] = [
  { value: 'pages/index/index', label: '首页' },
  { value: 'pages/category/index', label: '分类' },
  { value: 'pkg-user/coupons/centre', label: '领券中心' },
  { value: 'pkg-user/member/index', label: '会员中心' },
  { value: 'pkg-trade/stores/index', label: '门店' },
  { value: 'pkg-flash/flash/index', label: '秒杀' },
  { value: 'pkg-live/live/index', label: '直播' },
]

export interface CardForm {
  enabled: boolean
  title: string
  page: string
  /** A picture kept by Shoplet (POST /console/wecom/pictures); null until one is uploaded. */
  pictureId: number | null
  pictureUrl: string
}

export function emptyCard(): CardForm {
  return { enabled: false, title: '', page: 'pages/index/index', pictureId: null, pictureUrl: '' }
}

/** The form of a saved card (a card saved with a typed media id has no picture: upload one). */
export function cardFromOut(
  out: { title: string; page: string; picture_id?: number | null; picture_url?: string | null } | null | undefined,
): CardForm {
  if (!out) return emptyCard()
  return { enabled: true, title: out.title, page: out.page, pictureId: out.picture_id ?? null, pictureUrl: out.picture_url ?? '' }
}

/** Card pictures as the backend takes them: JPG or PNG, at most 10 MB (WeCom's limit). */
export const CARD_PICTURE_TYPES = ['image/jpeg', 'image/png'] as const
export const CARD_PICTURE_MAX_BYTES = 10 * 1024 * 1024

/** Whether a chosen file can be a card picture: the glossary's refusal of the backend, or null. */
export function pictureFileError(file: { type: string; size: number }): string | null {
  if (!(CARD_PICTURE_TYPES as readonly string[]).includes(file.type)) return errorText('wecom.picture_type')
  if (file.size > CARD_PICTURE_MAX_BYTES) return errorText('wecom.picture_too_large')
  return null
}

/** The text and card checked as the backend checks them: an error, or null. */
export function messageError(text: string, card: CardForm, textRequired: boolean): string | null {
  if ((textRequired || card.enabled) && !text.trim()) return '请填写文字内容（仅小程序卡片不能发送）'
  if (utf8Bytes(text) > TEXT_MAX_BYTES) return `内容 ${utf8Bytes(text)} 字节，超过 4000 字节上限`
  if (card.enabled && (!card.title.trim() || card.pictureId === null)) return errorText('wecom.media_required')
  return null
}

export function cardBody(card: CardForm): { title: string; page: string; picture_id: number } | null {
  return card.enabled && card.pictureId !== null
    ? { title: card.title.trim(), page: card.page, picture_id: card.pictureId }
    : null
}

export type Audience = 'all' | 'segment' | 'store' | 'campaign'
export type BroadcastTarget = 'customers' | 'groups'

export interface BroadcastForm {
  target: BroadcastTarget
  // 客户群: the owners (staff userids) whose groups receive it; empty: every owner's.
  owners: string[]
  audience: Audience
  segmentId: number | null
  storeId: number | null
  campaign: string
  text: string
  card: CardForm
}

export function emptyBroadcastForm(): BroadcastForm {
  return { target: 'customers', owners: [], audience: 'all', segmentId: null, storeId: null, campaign: '', text: '', card: emptyCard() }
}

export function buildBroadcast(form: BroadcastForm): { body: WecomBroadcastCreate | null; error: string | null } {
  const groups = form.target === 'groups'
  const error =
    messageError(form.text, form.card, true) ??
    (groups && form.audience === 'segment' ? '客户群群发不能按分群发送' : null) ??
    (form.audience === 'segment' && form.segmentId === null ? '请选择分群' : null) ??
    (form.audience === 'store' && form.storeId === null ? '请选择门店' : null) ??
    (form.audience === 'campaign' && !CAMPAIGN_PATTERN.test(form.campaign.trim())
      ? '活动代码须为 1–16 位字母、数字、_ 或 -'
      : null)
  if (error !== null) return { body: null, error }
  return {
    body: {
      target: form.target,
      owners: groups && form.owners.length > 0 ? [...new Set(form.owners)] : null,
      audience: form.audience,
      segment_id: form.audience === 'segment' ? form.segmentId : null,
      store_id: form.audience === 'store' ? form.storeId : null,
      campaign: form.audience === 'campaign' ? form.campaign.trim() : null,
      text: form.text,
      miniprogram: cardBody(form.card),
    },
    error: null,
  }
}

export function buildJoinWay(
  storeId: number | null,
  campaign: string,
  chatIds: string,
  autoCreate: boolean,
  baseName: string,
): { body: WecomJoinWayCreate | null; error: string | null } {
  const chats = splitIds(chatIds)
  const code = campaign.trim()
  let error: string | null = null
  if (storeId === null && !code) error = '请至少选择门店或填写活动代码'
  else if (code && !CAMPAIGN_PATTERN.test(code)) error = '活动代码须为 1–16 位字母、数字、_ 或 -'
  else if (chats.length === 0 || chats.length > JOIN_CHATS_MAX || new Set(chats).size !== chats.length)
    error = '请填写 1–5 个不重复的群 ID'
  else if (autoCreate && !baseName.trim()) error = '自动建群需要填写新群名称前缀'
  if (error !== null) return { body: null, error }
  return {
    body: {
      store_id: storeId,
      campaign: code || null,
      chat_ids: chats,
      auto_create_room: autoCreate,
      room_base_name: baseName.trim(),
      remark: '',
    },
    error: null,
  }
}
