"""Dormant-shopper campaigns (唤醒活动): an analytics audience, a subscribe message and/or a
coupon, a deterministic holdout, a frequency cap across campaigns and quiet hours; results are
the treated group against the holdout."""
