"""Storefront routes of alerts: none (alerts are for the console)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
