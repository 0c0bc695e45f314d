"""Sales forecasts, backtests and replenishment (``insights_forecast_*``), docs/forecasting.md."""
