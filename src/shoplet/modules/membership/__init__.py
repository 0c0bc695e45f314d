"""Membership: growth value (成长值), member tiers (V0..V4) with their benefits, downgrades."""
