// The coupon centre's bookkeeping after a claim, so the card changes at once without a reload.

/**
 * Update a centre card after a claim: `code` null for a success, else the problem code.
 * Success: one more held, one fewer left, and no more claims once the shopper's limit is reached.
 */
export function applyClaim(t, code) {
  if (code === null) {
    t.held = (t.held || 0) + 1
    t.claimed = (t.claimed || 0) + 1
    t.remaining = Math.max(0, (t.remaining || 0) - 1)
    t.can_claim = t.remaining > 0 && (!t.per_shopper_limit || t.held < t.per_shopper_limit)
    return t
  }
  if (code === 'promotions.quota_exhausted') t.remaining = 0
  if (
    code === 'promotions.claim_limit_reached' ||
    code === 'promotions.new_customer_only' ||
    code === 'promotions.template_not_active' ||
    code === 'promotions.not_claimable'
  ) {
    t.can_claim = false
  }
  return t
}
