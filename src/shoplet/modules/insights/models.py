"""Insights' own tables are its sub-packages': the reports compose the subqueries other modules
publish and own no table; metric alerts keep theirs in ``alerts/models.py``
(``insights_alerts_*``), sales forecasts in ``forecast/models.py`` (``insights_forecast_*``),
applied clearance steps in ``clearance/models.py`` (``insights_clearance_step``)."""

from __future__ import annotations

from shoplet.modules.insights.alerts import models as alerts_models  # noqa: F401
from shoplet.modules.insights.clearance import models as clearance_models  # noqa: F401
from shoplet.modules.insights.forecast import models as forecast_models  # noqa: F401
