"""Storefront routes of risk: none (scores are computed inside the plays that ask)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
