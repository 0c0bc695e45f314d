"""Insights' jobs are the forecasts' (``forecast/tasks.py``: the daily run and the console's
重新计算); the benefit cost reports are computed when asked, in SQL."""

from __future__ import annotations

from shoplet.modules.insights.forecast import tasks as forecast_tasks  # noqa: F401
