// Mainland mobile numbers: 11 digits starting with 1[3-9].
export function isMobile(phone) {
  return /^1[3-9]\d{9}$/.test(String(phone || '').trim())
}

export function isSmsCode(code) {
  return /^\d{4,8}$/.test(String(code || '').trim())
}
