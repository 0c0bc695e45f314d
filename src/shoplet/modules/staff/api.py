"""Staff HTTP routes outside the console: none. Every staff route (sign-in, MFA, staff
management, the audit log) is a console route, in ``console_api.py``."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
