"""Storefront routes of insights: none (its reports are for the console)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
