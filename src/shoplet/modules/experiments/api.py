"""Storefront routes of experiments: none yet (the calculator is a console tool)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
