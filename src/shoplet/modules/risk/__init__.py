"""Risk: the engine that scores sessions and actions (login, checkout, coupons, refunds…) from
signals and the merchant's rules, with a decision log and a review queue (docs/risk.md)."""
