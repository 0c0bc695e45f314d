"""分销 (distribution): promoters, bindings, two-level commissions, withdrawals — see
docs/social.md#distribution."""
