import { isMobile } from '../../utils/phone'

export const ADDRESS_TAGS = ['家', '公司', '学校']

/**
 * Field errors for the address form ({} when valid); messages are shown next to the fields.
 * @param {Record<string, any>} form
 * @param {{ phoneRequired?: boolean }} [options]
 * @returns {Record<string, string>}
 */
export function validateAddress(form, { phoneRequired = true } = {}) {
  /** @type {Record<string, string>} */
  const errors = {}
  const recipient = String(form.recipient || '').trim()
  if (!recipient) errors.recipient = '请填写收货人'
  else if (recipient.length > 30) errors.recipient = '收货人最多 30 个字'
  if (phoneRequired || form.phone) {
    if (!isMobile(form.phone)) errors.phone = '请填写正确的手机号'
  }
  if (!form.region_code) errors.region = '请选择所在地区'
  const detail = String(form.detail || '').trim()
  if (detail.length < 4) errors.detail = '详细地址至少 4 个字'
  else if (detail.length > 120) errors.detail = '详细地址最多 120 个字'
  return errors
}

/** The request body: trimmed, with the phone left out when editing and not retyped (it is masked). */
export function addressPayload(form, { includePhone = true } = {}) {
  const body = {
    recipient: form.recipient.trim(),
    province: form.province,
    city: form.city,
    district: form.district,
    region_code: form.region_code,
    detail: form.detail.trim(),
    is_default: Boolean(form.is_default),
  }
  if (includePhone) body.phone = String(form.phone).trim()
  if (form.tag) body.tag = form.tag
  return body
}
