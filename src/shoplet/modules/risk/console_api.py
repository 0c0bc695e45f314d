"""Console routes of risk: none yet (each play shows its refusals in its own report)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
