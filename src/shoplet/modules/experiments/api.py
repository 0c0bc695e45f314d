"""Storefront routes of experiments: the feature flags' bootstrap (``flags/api.py``)."""

from __future__ import annotations

from fastapi import APIRouter

from shoplet.modules.experiments.flags.api import router as flags_router

router = APIRouter()
router.include_router(flags_router)
