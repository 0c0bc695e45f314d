"""Storefront routes of analytics: none (its figures are for the console)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
