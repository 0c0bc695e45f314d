"""Console routes of recommend: none yet (mounted under ``/api/v1/console`` like every module's).
Training runs are visible in ``recommend_run`` and the worker's log (docs/recommend.md)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
