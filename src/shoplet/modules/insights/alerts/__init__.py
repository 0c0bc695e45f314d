"""Metric alerts (告警): monitors on stored metrics by hour or day (``metrics.py``), fixed,
week-over-week and seasonality-aware anomaly rules with hysteresis (``rules.py``, pure),
incidents with a timeline, and notifications to the console inbox, WeCom and DingTalk group
robots, e-mail and signed webhooks (``delivery.py``; clients in ``shoplet.integrations.robots``).
The job ``insights.evaluate_alerts`` runs every minute (``tasks.py``)."""
