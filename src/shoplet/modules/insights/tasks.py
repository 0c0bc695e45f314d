"""Insights' jobs: the reports have none (computed when asked, in SQL); metric alerts run
``insights.evaluate_alerts`` every minute (``alerts/tasks.py``)."""

from __future__ import annotations

from shoplet.modules.insights.alerts import tasks as alerts_tasks  # noqa: F401
