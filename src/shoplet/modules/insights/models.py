"""Insights' own tables are the forecasts' (``forecast/models.py``, ``insights_forecast_*``);
its reports compose the subqueries other modules publish."""

from __future__ import annotations

from shoplet.modules.insights.forecast import models as forecast_models  # noqa: F401
