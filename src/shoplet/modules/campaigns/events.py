"""Campaigns publish no events and subscribe to none: the worker's ``campaigns.run_due`` job
runs due campaigns (``tasks.py``); sends go through notification and coupons through
promotions, in the touch's transaction."""

from __future__ import annotations
