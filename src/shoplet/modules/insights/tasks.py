"""Insights' jobs: the reports have none (computed when asked, in SQL); metric alerts run
``insights.evaluate_alerts`` every minute (``alerts/tasks.py``); sales forecasts run daily and on
the console's 重新计算 (``forecast/tasks.py``); clearance trials stop on their target date
(``clearance/tasks.py``)."""

from __future__ import annotations

from shoplet.modules.insights.alerts import tasks as alerts_tasks  # noqa: F401
from shoplet.modules.insights.clearance import tasks as clearance_tasks  # noqa: F401
from shoplet.modules.insights.forecast import tasks as forecast_tasks  # noqa: F401
