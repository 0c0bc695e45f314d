"""Checkout has no handlers or jobs: unpaid orders are timed out by ``orders.cancel_expired``."""

from __future__ import annotations
