// Random identifiers: the guest cart token and Idempotency-Key values (a retry reuses its key).
export function randomId(prefix = '') {
  const bytes = []
  for (let i = 0; i < 16; i++) bytes.push(Math.floor(Math.random() * 256))
  const hex = bytes.map((b) => b.toString(16).padStart(2, '0')).join('')
  return `${prefix}${hex}`
}
