"""Campaigns have no storefront routes: a shopper sees a campaign as a subscribe message and a
coupon in their wallet."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
