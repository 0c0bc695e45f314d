"""Console routes of cart: none yet (mounted under ``/api/v1/console`` like every module's)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
