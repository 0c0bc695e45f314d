"""What other modules (and the ``shoplet analytics forecast`` CLI) may use from insights: the
ad-hoc forecast of a ``date,value`` series and its typed refusals."""

from __future__ import annotations

from .forecast.errors import ForecastInputError
from .forecast.schemas import ForecastOut
from .forecast.service import forecast_rows

__all__ = ["ForecastInputError", "ForecastOut", "forecast_rows"]
