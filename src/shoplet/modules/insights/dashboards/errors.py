"""Refusals of the dashboards (400, nothing read)."""

from __future__ import annotations

from shoplet.core.errors import BadRequest


class DashboardInvalid(BadRequest):
    code = "insights.dashboard_invalid"
    title = "The dashboard cannot be shown"
