"""Typed errors of the insights module (``insights.*``): status, stable code, title."""

from __future__ import annotations

from shoplet.core.errors import BadRequest


class InvalidPeriod(BadRequest):
    code = "insights.invalid_period"
    title = "The period is not valid"
