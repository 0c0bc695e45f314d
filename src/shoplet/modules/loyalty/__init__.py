"""Loyalty: the points ledger, earning, spending at checkout, expiry and daily sign-in."""
